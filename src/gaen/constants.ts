// The GAEN protocol constants the firmware uses: their one home is common/gaen-constants.ts, shared
// with the host tools (lib/gaen/constants.ts).
export * from "../../common/gaen-constants"
