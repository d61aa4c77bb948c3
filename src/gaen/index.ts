// Exposure Notification (GAEN v1.2) cryptography for the firmware. See constants.ts for sources.
export * from "./constants"
export * from "./validate"
export * from "./aes128"
export * from "./keys"
export * from "./identifiers"
export * from "./advertisement"
export * from "./rotation"
