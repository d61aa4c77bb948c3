// Exposure Notification (GAEN v1.2) cryptography for Node (kiosk, server, simulator), on
// node:crypto; everything is synchronous. The firmware twin is src/gaen (DeviceScript).
export * from "./constants.js"
export * from "./validate.js"
export * from "./keys.js"
export * from "./identifiers.js"
export * from "./advertisement.js"
export * from "./rotation.js"
