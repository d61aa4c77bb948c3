// The language of the person-facing text: `--lang en|ja` if given, else Japanese when the locale
// (LC_ALL, then LC_MESSAGES, then LANG) starts with "ja", else English.
import { KioskError } from "../errors.js"

export type Lang = "ja" | "en"

export function chooseLang(option: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
    if (option !== undefined) {
        if (option !== "ja" && option !== "en") throw new KioskError("usage", `--lang ${option}: expected ja or en`)
        return option
    }
    const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || ""
    return locale.toLowerCase().startsWith("ja") ? "ja" : "en"
}

/** A calendar date (YYYY-MM-DD) the way people write it. */
export function formatDate(date: string, lang: Lang): string {
    const [y, m, d] = date.split("-").map(Number)
    if (lang === "ja") return `${y}年${m}月${d}日`
    const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    return `${d} ${months[m - 1]} ${y}`
}
