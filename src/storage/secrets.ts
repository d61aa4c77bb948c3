// The token's own secrets: its token id and its Bluetooth link key, in the secrets sector of the
// encrypted gaenlog partition (docs/storage.md, "Secrets"), so that a dump of the flash chip
// shows them only as ciphertext, and decommission erases them with everything else.
//
// Rows of the sector (each programmed once, whole):
//   rows 0–1  identity record, 64 bytes, written in one program:
//               0  2  magic 0x4449 ("ID")     2  1  version (1)     3  1  reserved (0xFF)
//               4  8  token id                12 32  link key       44 16  reserved (0xFF)
//              60  4  CRC-32 of bytes 0..59
//   row 2     handed-out mark (the link key went out for the sticker): magic 0x4F48 ("HO") u16,
//             reserved (0xFF), CRC-32 of bytes 0..27 at 28
// A cut identity write fails its check: boot erases the sector and the token makes a new identity
// (it had not told anyone the old one). A cut mark fails its check and counts as not handed out:
// the key was not delivered either (it is sent only after the mark's program succeeded). The mark's
// row is then used up: a second hand-out is refused (markHandedOut throws), which is the safe side.
import { Flash, FlashRegion, RowState, WipeReport, countNotErased, wipeRegion } from "./flash"
import { ROW_SIZE, SECRETS_FORMAT_VERSION, SECRETS_MAGIC } from "./layout"
import { recordChecks, rowChecks, sealRecord, sealRow } from "./checksum"
import { Mutex } from "./mutex"
import { LINK_KEY_BYTES } from "../../common/ble-link-constants"

export const TOKEN_ID_BYTES = 8
const IDENTITY_SIZE = 2 * ROW_SIZE
const AT_TOKEN_ID = 4
const AT_LINK_KEY = AT_TOKEN_ID + TOKEN_ID_BYTES
/** Row 2: the handed-out mark. */
const HANDED_OUT_ROW = 2
const HANDED_OUT_MAGIC = 0x4f48

export class SecretStore {
    private tokenIdBytes: Buffer = undefined
    private key: Buffer = undefined
    private handedOut = false
    private readonly lock = new Mutex()

    private constructor(
        private readonly flash: Flash,
        private readonly region: FlashRegion,
        private readonly sectorSize: number
    ) {}

    static async open(flash: Flash, region: FlashRegion) {
        const g = await flash.geometry()
        if (region.sectorCount !== 1) throw new RangeError("secrets: needs exactly 1 sector")
        if (g.sectorSize < (HANDED_OUT_ROW + 1) * ROW_SIZE) throw new RangeError("secrets: sector too small")
        const store = new SecretStore(flash, region, g.sectorSize)
        await store.load()
        return store
    }

    /** The token id (8 bytes), undefined when none is stored. */
    tokenId(): Buffer {
        return this.tokenIdBytes
    }

    /** The Bluetooth link key (32 bytes), undefined when none is stored. */
    linkKey(): Buffer {
        return this.key
    }

    wasHandedOut() {
        return this.handedOut
    }

    /** Stores a new identity (the sector must hold none). */
    async create(tokenId: Buffer, linkKey: Buffer) {
        if (tokenId.length !== TOKEN_ID_BYTES || linkKey.length !== LINK_KEY_BYTES)
            throw new RangeError(`secrets: a token id is ${TOKEN_ID_BYTES} bytes, a link key ${LINK_KEY_BYTES}`)
        await this.lock.lock()
        try {
            if (this.key) throw new Error("secrets: an identity is already stored")
            // A torn identity (or anything else) is erased first; a blank sector needs no erase.
            if ((await countNotErased(this.flash, this.region.firstSector)) > 0) await this.flash.eraseSector(this.region.firstSector)
            const image = Buffer.alloc(IDENTITY_SIZE)
            image.fillAt(0, IDENTITY_SIZE, 0xff)
            image.setAt(0, "u16", SECRETS_MAGIC)
            image.setAt(2, "u8", SECRETS_FORMAT_VERSION)
            image.blitAt(AT_TOKEN_ID, tokenId, 0, TOKEN_ID_BYTES)
            image.blitAt(AT_LINK_KEY, linkKey, 0, LINK_KEY_BYTES)
            sealRecord(image, 0, IDENTITY_SIZE)
            await this.flash.program(this.offset(0), image)
            this.tokenIdBytes = tokenId.slice(0)
            this.key = linkKey.slice(0)
            this.handedOut = false
        } finally {
            this.lock.unlock()
        }
    }

    /** Records that the link key went out for the sticker (before it is sent). */
    async markHandedOut() {
        await this.lock.lock()
        try {
            if (this.handedOut) return
            const row = Buffer.alloc(ROW_SIZE)
            row.fillAt(0, ROW_SIZE, 0xff)
            row.setAt(0, "u16", HANDED_OUT_MAGIC)
            sealRow(row, 0)
            this.handedOut = true
            await this.flash.program(this.offset(HANDED_OUT_ROW), row)
        } finally {
            this.lock.unlock()
        }
    }

    /** Destroys the identity rows at once (raw zeros; part of the decommission wipe, which then erases the sector). */
    async destroy() {
        await this.lock.lock()
        try {
            this.tokenIdBytes = undefined
            this.key = undefined
            await this.flash.destroy(this.offset(0), HANDED_OUT_ROW + 1)
        } finally {
            this.lock.unlock()
        }
    }

    /** Erases the sector and reads its row states back (part of the decommission wipe). */
    async wipe(): Promise<WipeReport> {
        await this.lock.lock()
        try {
            this.tokenIdBytes = undefined
            this.key = undefined
            this.handedOut = false
            return await wipeRegion(this.flash, this.region)
        } finally {
            this.lock.unlock()
        }
    }

    private offset(row: number) {
        return this.region.firstSector * this.sectorSize + row * ROW_SIZE
    }

    private async load() {
        const states = await this.flash.rowStates(this.offset(0), HANDED_OUT_ROW + 1)
        if (states[0] === RowState.Written && states[1] === RowState.Written) {
            const image = await this.flash.read(this.offset(0), IDENTITY_SIZE)
            if (recordChecks(image, 0, IDENTITY_SIZE) && image.getAt(0, "u16") === SECRETS_MAGIC && image.getAt(2, "u8") === SECRETS_FORMAT_VERSION) {
                this.tokenIdBytes = image.slice(AT_TOKEN_ID, AT_TOKEN_ID + TOKEN_ID_BYTES)
                this.key = image.slice(AT_LINK_KEY, AT_LINK_KEY + LINK_KEY_BYTES)
            }
        }
        if (this.key && states[HANDED_OUT_ROW] === RowState.Written) {
            const row = await this.flash.read(this.offset(HANDED_OUT_ROW), ROW_SIZE)
            // A torn mark is not one: the key goes out only after the mark's program succeeded.
            this.handedOut = rowChecks(row, 0) && row.getAt(0, "u16") === HANDED_OUT_MAGIC
        }
    }
}
