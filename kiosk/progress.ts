// What a long kiosk operation reports while it runs; the CLI prints it (stderr), a web UI can draw it.
export type KioskProgress =
    | { step: "download"; done: number; total: number; downloaded: number }
    /** The log read (a check's first phase: the digest of every record); `total` from records_held. */
    | { step: "read-log"; read: number; total: number }
    /** A check's second phase: the whole records of the candidates the matching found, `done` of `total`. */
    | { step: "read-candidates"; done: number; total: number }
    | { step: "match"; keysDone: number; keysTotal: number }
    | { step: "press-button"; purpose: PressPurpose; secondsLeft: number }
    | { step: "retry"; what: "upload" | "survey"; attempt: number; delayMs: number; reason: string }
    /** The token stopped answering during the log read (unplugged): the kiosk waits for it. */
    | { step: "token-unplugged"; read: number }
    /** The same token answers again: the log read goes on from where it stopped. */
    | { step: "token-back"; read: number }

/** What the owner's press confirms (the sticker: handing out the Bluetooth link key, CLI only). */
export type PressPurpose = "session" | "export" | "decommission" | "sticker"

export type ProgressListener = (p: KioskProgress) => void
