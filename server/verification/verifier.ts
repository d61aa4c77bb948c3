// Processing-number verification is pluggable: the diagnosis handler only sees this interface.
//   accepted    -> the number is genuine; the keys may be stored. `spend` (local verifier): the number
//                  to mark used in the same transaction as the keys, so a failed store spends nothing
//   rejected    -> wrong, used or expired: HTTP 406, as COCOA answered
//   unavailable -> the verifier could not decide (HER-SYS down, odd answer): HTTP 503, nothing stored

export type VerificationOutcome = { status: "accepted"; spend?: string } | { status: "rejected"; reason: string } | { status: "unavailable"; reason: string }

export interface ProcessingNumberVerifier {
    verify(processingNumber: string): Promise<VerificationOutcome>
}
