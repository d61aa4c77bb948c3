// The embedded verifier: numbers issued by `npm run server -- issue-processing-number` and kept in
// the server's own storage; each works once and only until it expires. For programmes without a
// HER-SYS connection (a health centre hands out numbers the server issued).
import { randomInt } from "node:crypto"
import type { Storage } from "../storage/storage.js"
import type { ProcessingNumberVerifier, VerificationOutcome } from "./verifier.js"

export const DEFAULT_PROCESSING_NUMBER_VALID_HOURS = 72

export class LocalVerifier implements ProcessingNumberVerifier {
    constructor(
        private readonly storage: Storage,
        private readonly clock: () => number = Date.now
    ) {}

    async verify(processingNumber: string): Promise<VerificationOutcome> {
        // Only read here: the upload spends the number in the transaction that stores the keys.
        const state = await this.storage.checkProcessingNumber(processingNumber, this.clock())
        return state === "valid" ? { status: "accepted", spend: processingNumber } : { status: "rejected", reason: state }
    }
}

/** Issues `count` fresh random 8-digit numbers valid for `validHours`. */
export async function issueProcessingNumbers(
    storage: Storage,
    opts: { count: number; validHours: number; now: number }
): Promise<{ numbers: string[]; expiresAt: number }> {
    const expiresAt = opts.now + opts.validHours * 3_600_000
    const numbers: string[] = []
    while (numbers.length < opts.count) {
        const draw = new Set<string>()
        while (draw.size < opts.count - numbers.length) draw.add(String(randomInt(0, 100_000_000)).padStart(8, "0"))
        // A collision with a stored number (used or not) is simply drawn again in the next round.
        numbers.push(...(await storage.addProcessingNumbers([...draw], opts.now, expiresAt)))
    }
    return { numbers, expiresAt }
}
