// The browser side of the web app, bundled with esbuild when the kiosk starts (a fraction of a
// second), so there is no build step to forget and nothing is fetched from a CDN at run time.
import { build } from "esbuild"
import { readFileSync } from "node:fs"

const appDir = new URL("./app/", import.meta.url).pathname

export interface WebAssets {
    js: string
    css: string
    html: string
}

export async function buildWebAssets(): Promise<WebAssets> {
    const out = await build({
        entryPoints: [appDir + "main.ts"],
        bundle: true,
        write: false,
        format: "esm",
        target: "es2020",
        minify: true,
        legalComments: "none",
        logLevel: "silent",
    })
    return {
        js: out.outputFiles[0].text,
        css: readFileSync(appDir + "style.css", "utf8"),
        html: readFileSync(appDir + "index.html", "utf8"),
    }
}
