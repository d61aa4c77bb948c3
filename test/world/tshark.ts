// Reads captures with tshark (Debian package; scripts/install-system-deps.sh installs it).
import { execFileSync } from "node:child_process"

/** tshark's fields of every packet in a capture, one row per packet. */
export function tsharkFields(file: string, fields: string[]): string[][] {
    let out: string
    try {
        out = execFileSync("tshark", ["-r", file, "-T", "fields", ...fields.flatMap(f => ["-e", f])], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
    } catch (e: any) {
        if (e.code === "ENOENT") throw new Error("tshark is not installed: run scripts/install-system-deps.sh (Debian package tshark)")
        throw e
    }
    return out
        .trim()
        .split("\n")
        .filter(Boolean)
        .map(l => l.split("\t"))
}
