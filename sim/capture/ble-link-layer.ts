// Bluetooth LE link-layer packets as a sniffer records them: the advertising PDU an exposure
// notification beacon sends, its CRC-24, and the 10-byte LE pseudo-header of
// LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR (256).
// [core] Bluetooth Core Specification 5.3, Vol 6 Part B: 2.1 packet format (access address,
// PDU, CRC), 2.3 advertising PDUs (header: PDU type, TxAdd, length), 3.1.1 CRC generation.
// [tcpdump] https://www.tcpdump.org/linktypes/LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR.html
import { ADVERTISING_ACCESS_ADDRESS, ADVERTISING_CRC_INIT } from "../world/constants.js"

/** PDU type of a non-connectable, non-scannable undirected advertisement. [core] 2.3 */
export const PDU_TYPE_ADV_NONCONN_IND = 0x2
/** PDU type of a connectable undirected advertisement (the token's sync window). [core] 2.3 */
export const PDU_TYPE_ADV_IND = 0x0
/** Header bit: the advertiser's address is random. [core] 2.3 */
const TX_ADD_RANDOM = 0x40
const ADDRESS_BYTES = 6
const MAX_ADV_DATA_BYTES = 31

/** CRC polynomial x^24 + x^10 + x^9 + x^6 + x^4 + x^3 + x + 1 (0x00065B), bit-reversed: the
 *  LFSR shifts the PDU in least significant bit first, as the bits go on air. [core] 3.1.1 */
const CRC_POLY_REVERSED = 0xda6000

function reverseBits24(v: number): number {
    let r = 0
    for (let i = 0; i < 24; i++) r |= ((v >> i) & 1) << (23 - i)
    return r
}

/**
 * The CRC-24 of a PDU (header and payload), as the three bytes that follow it on air and in a
 * capture. The register runs bit-reversed so bytes can be fed least significant bit first; its
 * final state, stored little-endian, is the CRC in transmission order.
 */
export function bleCrc24(pdu: Uint8Array, init = ADVERTISING_CRC_INIT): Uint8Array {
    let state = reverseBits24(init)
    for (const byte of pdu) {
        for (let bit = 0; bit < 8; bit++) {
            const feedback = (state ^ (byte >> bit)) & 1
            state >>>= 1
            if (feedback) state ^= CRC_POLY_REVERSED
        }
    }
    return new Uint8Array([state & 0xff, (state >> 8) & 0xff, (state >> 16) & 0xff])
}

/** ADV_NONCONN_IND PDU (or another advertising PDU type): header (type, TxAdd = random; length),
 *  AdvA (as on air, LSB first), AdvData. */
export function advNonconnIndPdu(address: Uint8Array, advData: Uint8Array, pduType = PDU_TYPE_ADV_NONCONN_IND): Uint8Array {
    if (address.length !== ADDRESS_BYTES) throw new RangeError(`advertiser address must be ${ADDRESS_BYTES} bytes, got ${address.length}`)
    if (advData.length > MAX_ADV_DATA_BYTES) throw new RangeError(`advertising data holds at most ${MAX_ADV_DATA_BYTES} bytes, got ${advData.length}`)
    const pdu = new Uint8Array(2 + ADDRESS_BYTES + advData.length)
    pdu[0] = pduType | TX_ADD_RANDOM
    pdu[1] = ADDRESS_BYTES + advData.length
    pdu.set(address, 2)
    pdu.set(advData, 2 + ADDRESS_BYTES)
    return pdu
}

// LE pseudo-header flags. [tcpdump]
const PHDR_DEWHITENED = 0x0001
const PHDR_SIGNAL_POWER_VALID = 0x0002
const PHDR_REFERENCE_ACCESS_ADDRESS_VALID = 0x0010
/** RF channel numbers of the pseudo-header: 0 = 2402 MHz = advertising channel 37. [tcpdump] */
export const RF_CHANNEL_ADV_37 = 0

export interface SniffedPacket {
    address: Uint8Array
    advData: Uint8Array
    rfChannel?: number
    /** Signal power at the sniffer, dBm; omitted: not known. */
    signalDbm?: number
    /** A connectable advertisement (ADV_IND) rather than a beacon (ADV_NONCONN_IND). */
    connectable?: boolean
}

/** One capture record for LINKTYPE 256: pseudo-header, access address, PDU, CRC. */
export function leLinkLayerRecord(p: SniffedPacket): Uint8Array {
    const pdu = advNonconnIndPdu(p.address, p.advData, p.connectable ? PDU_TYPE_ADV_IND : PDU_TYPE_ADV_NONCONN_IND)
    const crc = bleCrc24(pdu)
    const out = new Uint8Array(10 + 4 + pdu.length + 3)
    const view = new DataView(out.buffer)
    view.setUint8(0, p.rfChannel ?? RF_CHANNEL_ADV_37)
    view.setInt8(1, p.signalDbm ?? 0) // signal power
    view.setInt8(2, 0) // noise power (not valid)
    view.setUint8(3, 0) // access address offenses (not valid)
    view.setUint32(4, ADVERTISING_ACCESS_ADDRESS, true) // reference access address
    let flags = PHDR_DEWHITENED | PHDR_REFERENCE_ACCESS_ADDRESS_VALID
    if (p.signalDbm !== undefined) flags |= PHDR_SIGNAL_POWER_VALID
    view.setUint16(8, flags, true)
    view.setUint32(10, ADVERTISING_ACCESS_ADDRESS, true)
    out.set(pdu, 14)
    out.set(crc, 14 + pdu.length)
    return out
}
