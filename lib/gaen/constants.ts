// The GAEN protocol constants the host tools use: their one home is common/gaen-constants.ts, shared
// with the token's firmware (src/gaen/constants.ts).
export * from "../../common/gaen-constants.js"
