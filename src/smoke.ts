export const ENIN = 2
