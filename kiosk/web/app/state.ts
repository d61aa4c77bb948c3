// The app's state in one object (Preact signals), created once in main.ts and passed down; the
// functions that change it live here too, apart from the components, which only render.
import { signal, computed } from "@preact/signals"
import type { Lang } from "../../i18n/locale.js"
import type { ErrorView } from "../desk.js"
import type { TokenPort } from "../../transport/ports.js"
import { api, ApiError, type DeskView } from "./api.js"

export type Screen = "connect" | "status" | "check" | "register" | "decommission" | "hand-out" | "settings"

export function createAppState() {
    const lang = signal<Lang>("ja")
    const screen = signal<Screen>("connect")
    const desk = signal<DeskView | undefined>(undefined)
    const ports = signal<TokenPort[]>([])
    /** The last error of a request the person made (a job's own error lives in desk.job). */
    const error = signal<ErrorView | undefined>(undefined)
    const pending = signal(false)
    const connected = computed(() => !!desk.value?.status)
    const job = computed(() => desk.value?.job)
    let langChosen = false

    async function refresh() {
        const v = await api.view()
        desk.value = v
        if (!langChosen && v.settings.lang) {
            lang.value = v.settings.lang
            langChosen = true
        }
    }

    /** Runs a request; its error is shown on the screen (with the staff details). */
    async function act(op: () => Promise<unknown>, then?: () => void): Promise<boolean> {
        pending.value = true
        error.value = undefined
        try {
            await op()
            await refresh()
            then?.()
            return true
        } catch (e) {
            error.value = e instanceof ApiError ? e.view : { code: "usage", text: { ja: String(e), en: String(e) }, message: String(e) }
            return false
        } finally {
            pending.value = false
        }
    }

    function go(to: Screen) {
        error.value = undefined
        screen.value = to
    }

    return {
        lang,
        screen,
        desk,
        ports,
        error,
        pending,
        connected,
        job,
        refresh,
        go,
        toggleLang() {
            langChosen = true
            lang.value = lang.value === "ja" ? "en" : "ja"
        },
        async refreshPorts() {
            ports.value = (await api.ports()).ports
        },
        connect: (address: string) =>
            act(
                () => api.connect(address),
                () => go("status")
            ),
        disconnect: () =>
            act(
                () => api.disconnect(),
                () => go("connect")
            ),
        startCheck: () => act(() => api.check()),
        register: (input: { processingNumber: string; symptoms: "yes" | "no"; onset: string }) => act(() => api.register(input)),
        sendAgain: () => act(() => api.sendAgain()),
        decommission: (input: Record<string, unknown>) => act(() => api.decommission(input)),
        handOut: (address: string) => act(() => api.handOut(address)),
        dismiss: () => act(() => api.dismiss()),
        saveSettings: (input: Record<string, unknown>) => act(() => api.saveSettings(input)),
    }
}

export type AppState = ReturnType<typeof createAppState>
