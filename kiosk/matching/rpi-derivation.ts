// Deriving the RPIs of a million diagnosis keys is most of a check's time. lib/gaen's rpisForKey is
// the reference (one object per interval); this batch form gives the same bytes faster: the padded
// data of a rolling start ("EN-RPI" ‖ 0 ‖ ENIN for each of its intervals) is the same for every key
// of that day, so it is built once per day and each key costs one HKDF and one AES-ECB call.
// test/kiosk/matching-units.test.ts checks it against rpisForKey.
import { createCipheriv } from "node:crypto"
import { deriveRpik, rpiPaddedData, requireRollingPeriod } from "../../lib/gaen/index.js"

export class RpiDeriver {
    private readonly paddedByDay = new Map<string, Buffer>()

    /** The key's RPIs, 16 bytes per interval from `rollingStart`, in one buffer. Throws on bad input. */
    derive(tek: Uint8Array, rollingStart: number, rollingPeriod: number): Buffer {
        const rpik = deriveRpik(tek)
        const cipher = createCipheriv("aes-128-ecb", rpik, null)
        cipher.setAutoPadding(false)
        return cipher.update(this.padded(rollingStart, rollingPeriod))
    }

    private padded(rollingStart: number, rollingPeriod: number): Buffer {
        const id = `${rollingStart}/${rollingPeriod}`
        let block = this.paddedByDay.get(id)
        if (!block) {
            requireRollingPeriod(rollingPeriod)
            block = Buffer.concat(Array.from({ length: rollingPeriod }, (_, i) => rpiPaddedData(rollingStart + i)))
            this.paddedByDay.set(id, block)
        }
        return block
    }
}
