// Processing-number verification is pluggable: the diagnosis handler only sees this interface.
//   accepted    -> the number is genuine and now used up; the keys may be stored
//   rejected    -> wrong, used or expired: HTTP 406, as COCOA answered
//   unavailable -> the verifier could not decide (HER-SYS down, odd answer): HTTP 503, nothing stored

export type VerificationOutcome =
    | { status: "accepted" }
    | { status: "rejected"; reason: string }
    | { status: "unavailable"; reason: string }

export interface ProcessingNumberVerifier {
    verify(processingNumber: string): Promise<VerificationOutcome>
}
