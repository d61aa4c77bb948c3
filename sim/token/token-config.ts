// What a token's process and its parent (the harness, the simulator world) say to each other.
import { join } from "node:path"
import type { PowerCutInfo } from "../hardware/flash-server.js"

export interface TokenProcessConfig {
    /** Jacdac device id of the token's VM (each token is on its own bus). */
    deviceId: string
    /** The token's own folder: the VM's flash (program + settings) and the simulated hardware's files. */
    dir: string
    /** Compiled firmware (.devs). */
    bytecode: string
    /** The simulation's time when the token starts (Unix ms), and its speed (simulated per real second). */
    clock: { startMs: number; scale: number }
    /** TCP port of the token's Jacdac bus; 0 picks a free one. */
    hubPort: number
    radio: { txPower: number; advertisingIntervalMs: number }
    flash: { sectorSize: number; sectorCount: number }
    /** Seed of the damage a power cut does to the flash (common/flash-damage.ts); random when absent. */
    flashDamageSeed?: number
    /** Whether the board carries a battery-backed real-time clock. */
    rtc: boolean
}

export const TOKEN_CONFIG_ENV = "GAEN_TOKEN_CONFIG"

/**
 * The token's flash chip and its flash-encryption key in the token's folder (services/flash.md,
 * "The simulator"): `flash` is what `esptool read_flash` gives on a board (ciphertext), `efuseKey`
 * the chip's eFuse key block, which no dump of the flash contains.
 */
export const tokenFlashFiles = (dir: string) => ({ flash: join(dir, "flash.bin"), efuseKey: join(dir, "efuse-key") })

/** Bytes as they cross the IPC channel (JSON has no bytes): hex strings. */
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex")
export const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, "hex"))

/** An advertisement as it crosses the IPC channel: hex strings. */
export interface WireAdvertisement {
    address: string
    payload: string
}
export interface WireHeard extends WireAdvertisement {
    rssi: number
    packets: number
}

/** Token process → parent. */
export type TokenProcessMessage =
    | { type: "ready"; hubPort: number }
    /** How far the token's virtual clock has got (Unix ms); sent every few real milliseconds. */
    | { type: "time"; now: number }
    | { type: "fatal"; message: string }
    /** The firmware set its status LED (0xRRGGBB, 0 = off) at token time `atMs`. */
    | { type: "status-light"; color: number; atMs: number }
    | { type: "advertising"; ad: WireAdvertisement | null; atMs: number }
    | { type: "scan"; id: number; fromMs: number; toMs: number }
    | { type: "power-cut"; operation: PowerCutInfo["operation"]; offset: number; bytesDone: number }
    /** The connectable sync advertisement (null: off the air). */
    | { type: "sync-advertising"; ad: WireAdvertisement | null; atMs: number }
    /** The answer to a link-connect. */
    | { type: "link-connect-result"; id: number; accepted: boolean; mtu: number }
    | { type: "link-notify"; value: string }
    /** The token's radio ended the connection. */
    | { type: "link-closed" }
    /** The answer to count-vm-packets. */
    | { type: "vm-packets-sent"; id: number; packets: number }

/** Parent → token process. */
export type TokenControlMessage =
    /** The simulation's time and speed now: the token's clock may run up to `now`. */
    | { type: "horizon"; now: number; scale: number }
    | { type: "button"; pressed: boolean }
    /** Cut the power after this many more bytes of flash work (a program of n bytes is n, an erase is a sector). */
    | { type: "arm-power-cut"; afterBytes: number }
    /** Worn-out flash cells: these bytes stay 0x00 whatever is programmed or erased (a fault test). */
    | { type: "stick-flash-bytes"; offset: number; length: number }
    | { type: "scan-result"; id: number; heard: WireHeard[] }
    /** A host (a kiosk's radio) connects to the token's sync advertisement. */
    | { type: "link-connect"; id: number; mtu: number; host: string }
    | { type: "link-write"; value: string }
    | { type: "link-disconnect" }
    /** How many Jacdac packets has the VM sent since the token's process started (sim/token/frame-hub.ts)? */
    | { type: "count-vm-packets"; id: number }
