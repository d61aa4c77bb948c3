// CPU time and memory of processes (Linux /proc), for the speed governor.
// Elsewhere the numbers are unknown (undefined) and the governor keeps its first estimate.
import { readFileSync } from "node:fs"

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100

/** CPU seconds (user + system) a process has used, or undefined. */
export function cpuSeconds(pid: number): number | undefined {
    try {
        // Fields after the command name (which may contain spaces) start at field 3 (state).
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
        return (Number(fields[11]) + Number(fields[12])) / USER_HZ
    } catch {
        return undefined
    }
}

/** Resident memory of a process in bytes, or undefined. */
export function residentBytes(pid: number): number | undefined {
    try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
        return m ? Number(m[1]) * 1024 : undefined
    } catch {
        return undefined
    }
}
