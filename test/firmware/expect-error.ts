// expect().toThrow() in @devicescript/test does not look at the error; these tests also check that
// the message names what was wrong.
import { expect } from "@devicescript/test"

/** Runs `fn`, which must throw an Error whose message contains `fragment`. */
export function expectErrorMentioning(fn: () => void, fragment: string): void {
    let message: string = undefined
    try {
        fn()
    } catch (e: any) {
        message = e.message
    }
    expect(message === undefined ? "no error" : message.includes(fragment) ? fragment : message).toBe(fragment)
}

/** Awaits `fn`, which must reject with an Error whose message contains `fragment`. */
export async function expectRejectionMentioning(fn: () => Promise<unknown>, fragment: string): Promise<void> {
    let message: string = undefined
    try {
        await fn()
    } catch (e: any) {
        message = e.message
    }
    expect(message === undefined ? "no error" : message.includes(fragment) ? fragment : message).toBe(fragment)
}
