import { randomBytes, generateKeyPairSync } from "node:crypto"
import { writeExportZip, readExportZip, createExportSigner } from "./lib/keyfile/index.js"
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
const signer = createExportSigner(privateKey, { keyId: "440", keyVersion: "v1" })
const zips: Uint8Array[] = []
for (let d = 0; d < 14; d++) {
  const keys = Array.from({ length: 250_000 }, () => ({ keyData: randomBytes(16), rollingStartIntervalNumber: (20000 - d) * 144, rollingPeriod: 144, reportType: 1, daysSinceOnsetOfSymptoms: d - 3, transmissionRiskLevel: 0 }))
  zips.push(writeExportZip({ keys, region: "440", start: 0, end: 1, batchNum: 1, batchSize: 1, signer }))
}
global.gc!()
console.log("zips MB", zips.reduce((n, z) => n + z.length, 0) / 1048576, "rss", process.memoryUsage().rss / 1048576)
const all: any[] = []
for (const z of zips) for (const k of readExportZip(z, { publicKey }).export.keys) all.push(k)
global.gc!()
console.log("keys", all.length, "rss", (process.memoryUsage().rss / 1048576).toFixed(0), "maxRSS", (process.resourceUsage().maxRSS / 1024).toFixed(0))
