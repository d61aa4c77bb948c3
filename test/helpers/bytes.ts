// Byte helpers shared by the tests.

/** Bytes as lowercase hex: comparable (Set, Map keys, toBe) and readable in a failure message. */
export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")
