// The official GAEN v1.2 test vectors (data/gaen-test-vectors.json), decoded for the Node tests.
import { readFileSync } from "node:fs"

const json = JSON.parse(readFileSync(new URL("../../data/gaen-test-vectors.json", import.meta.url), "utf8"))
const bytes = (hex: string) => Buffer.from(hex, "hex")

export const vectors = {
    tek: bytes(json.tek_hex),
    rpik: bytes(json.rpik_hex),
    aemk: bytes(json.aemk_hex),
    metadata: bytes(json.bluetooth_metadata_hex),
    txPower: 8, // metadata byte 1 (0x08), see bluetooth_metadata_note
    keyGenerationUnixSeconds: json.key_generation_unix_seconds as number,
    rollingStart: json.tek_rolling_start_interval_number as number,
    rollingPeriod: json.tek_rolling_period as number,
    intervals: (json.advertised as { en_interval_number: number; padded_data_hex: string; rpi_hex: string; aem_hex: string }[]).map(row => ({
        enin: row.en_interval_number,
        padded: bytes(row.padded_data_hex),
        rpi: bytes(row.rpi_hex),
        aem: bytes(row.aem_hex),
    })),
}
