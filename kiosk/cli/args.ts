// Command-line parsing: `<command> [--flag value] [--switch]`. Unknown flags and missing values are
// usage errors naming the flag, so a typo never silently changes what the kiosk does.
import { KioskError } from "../errors.js"
import { intOption } from "./options.js"

const SWITCHES = new Set(["json", "consent-start-date", "consent-exposures", "help"])
const VALUE_FLAGS = new Set([
    "token",
    "out",
    "lang",
    "data",
    "server",
    "region",
    "public-key",
    "config",
    "api-key",
    "retries",
    "processing-number",
    "onset",
    "symptoms",
    "age",
    "commute",
    "start-date",
    "port",
    "radio",
    "sticker",
    "sheet",
])

export interface ParsedArgs {
    command?: string
    values: Map<string, string>
    switches: Set<string>
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
    const out: ParsedArgs = { values: new Map(), switches: new Set() }
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]
        if (!a.startsWith("--")) {
            if (out.command !== undefined) throw new KioskError("usage", `unexpected argument "${a}" (the command is "${out.command}")`)
            out.command = a
            continue
        }
        const eq = a.indexOf("=")
        const name = a.slice(2, eq > 0 ? eq : undefined)
        if (SWITCHES.has(name)) {
            if (eq > 0) throw new KioskError("usage", `--${name} takes no value`)
            out.switches.add(name)
        } else if (VALUE_FLAGS.has(name)) {
            const value = eq > 0 ? a.slice(eq + 1) : argv[++i]
            if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new KioskError("usage", `--${name} needs a value`)
            out.values.set(name, value)
        } else {
            throw new KioskError("usage", `unknown option --${name} (see "npm run kiosk -- help")`)
        }
    }
    return out
}

/** Only these flags make sense for the command; anything else is refused. */
export function allowOnly(args: ParsedArgs, command: string, allowed: readonly string[]): void {
    const ok = new Set([...allowed, "json", "lang", "data", "help", "radio"])
    for (const name of [...args.values.keys(), ...args.switches]) if (!ok.has(name)) throw new KioskError("usage", `--${name} is not an option of "${command}"`)
}

export function retriesOption(args: ParsedArgs): number | undefined {
    return intOption(args.values.get("retries"), "--retries", 0, 20)
}

export const USAGE = `Usage: npm run kiosk -- <command> [options]

Commands:
  status        --token <addr>                              the token's state; sets its clock
  check         --token <addr> --server <url>               exposure check against published keys
                [--public-key <file|base64>] [--config <dir>] [--region 440]
  register      --token <addr> --server <url> [--processing-number <8 digits>]
                [--onset YYYY-MM-DD] [--symptoms yes|no] [--api-key <key>] [--retries N]
                (without --processing-number / --onset, both are asked for on the terminal or read
                 from stdin, one per line, so they stay out of the shell's history)
  decommission  --token <addr> [--server <url>] [--age 1-9] [--commute 1-3]
                [--consent-start-date --start-date YYYY-MM-DD] [--consent-exposures]
                [--public-key ...] [--config <dir>] [--api-key <key>] [--retries N]
  trust-server-key --server <url>                            fetch and pin the server's export key
  serve         [--port N]                                  the web app for staff, on 127.0.0.1 only;
                                                            open the URL it prints
  sticker       --token <USB addr> --out <file.html>        once per token: the Bluetooth sticker (owner presses)
  hand-out      --token <USB addr> --sticker <file.html> --sheet <file.html>
                                                            a new token to its owner: refuses one that is
                                                            not fresh; the owner presses twice (clock,
                                                            sticker); writes the sticker and the owner's
                                                            sheet (--lang) to print
  help

<addr>: tcp://host:port (simulated token), serial:/dev/ttyACM0 (USB) or ble:<sticker code> (Bluetooth,
after the owner's press; simulator back end only so far). Env: GAEN_KIOSK_TOKEN.
Bluetooth back end: --radio tcp://host:port (the simulated kiosk radio "npm run sim -- up" prints;
env GAEN_KIOSK_RADIO).
Common: --json (machine output), --lang ja|en, --data <dir> (default ~/.gaen-kiosk or GAEN_KIOSK_DATA).
API key: --api-key or env GAEN_KIOSK_API_KEY. See kiosk/README.md.
`
