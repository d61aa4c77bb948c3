// Everything the kiosk says to a person, in Japanese and English. Plain, kind words for someone who
// may be elderly and not technical, always ending with what to do next. Technical details stay in the
// --json output and in the "details" line for the staff.
import type { KioskErrorCode } from "../errors.js"
import { formatDate, type Lang } from "./locale.js"
import { invalidFieldText } from "./fields.js"

type Text = Record<Lang, string>

export const errorText: Record<KioskErrorCode, (p: Record<string, string | number>) => Text> = {
    usage: () => ({
        ja: "入力に誤りがあります。下の「詳細」を係員に見せてください。",
        en: "Something in the request is not right. Please show the details below to the staff.",
    }),
    "invalid-field": invalidFieldText,
    config: () => ({
        ja: "この端末の設定に問題があります。係員にお知らせください。",
        en: "This kiosk is not set up correctly. Please tell the staff.",
    }),
    "no-public-key": () => ({
        ja: "この端末には、お知らせサーバーの確認用の鍵が設定されていません。係員にお知らせください。",
        en: "This kiosk has no key to check the notification server's files. Please tell the staff.",
    }),
    "token-not-found": () => ({
        ja: "トークンが見つかりません。しっかり差し込まれているか確かめて、もう一度お試しください。",
        en: "We cannot find your token. Please check that it is plugged in firmly, and try again.",
    }),
    "token-lost": () => ({
        ja: "トークンとの通信が途中で切れました。差し込み直して、もう一度お試しください。記録は消えていません。",
        en: "The connection to your token was lost. Please plug it in again and try once more. Nothing has been lost.",
    }),
    "kiosk-clock-wrong": () => ({
        ja: "この端末の時計が正しくないか、正しいことを確かめられませんでした（通知サーバーの時刻と合わないか、サーバーにつながりません）。トークンの時計は変えていません。係の人にお知らせください。",
        en: "This kiosk's clock is wrong, or could not be checked (it does not match the notification server's time, or the server cannot be reached). Your token's clock was not changed. Please tell the staff.",
    }),
    "token-stopped": () => ({
        ja: "このトークンはすでに使用を終えています（停止済み）。",
        en: "This token has already been stopped and can no longer be used.",
    }),
    // For the staff at a hand-out: which kind of token this is and what to do with it.
    "token-not-fresh": p =>
        p.reason === "stopped"
            ? {
                  ja: "このトークンは使用を終えています（停止済み）。お渡しできません。回収用の箱に入れてください。",
                  en: "This token has been stopped (its use has ended). It cannot be handed out: put it with the tokens to collect.",
              }
            : p.reason === "used"
              ? {
                    ja: "このトークンには鍵か記録が入っています（使われたトークンです）。新しいトークンではないので、お渡しできません。",
                    en: "This token holds keys or records: it has been used. Only a new token can be handed out.",
                }
              : {
                    ja: "このトークンはすでにお渡し済みで、使われています（時計が合わせてあります）。新しいトークンをつないでください。",
                    en: "This token has already been handed out and is in use (its clock is set). Please connect a new token.",
                },
    "button-not-pressed": () => ({
        ja: "ボタンが押されませんでした。もう一度はじめからお試しください。ランプが点滅している間に、トークンのボタンを1回押してください。",
        en: "The button was not pressed in time. Please start again, and press the token's button once while its light is blinking.",
    }),
    "no-keys-on-token": () => ({
        ja: "トークンに登録できる記録がありませんでした。係員にご相談ください。",
        en: "Your token had no keys to register. Please ask the staff.",
    }),
    "erase-incomplete": p => ({
        ja:
            `トークンは停止しましたが、記録を消しきれませんでした（${p.bytesNotErased} バイトが残っています）。トークンを係員にお渡しください。` +
            `係員の方へ：このトークンは預かり、ほかの方に渡さないでください。保健所の手順に従って、物理的に破壊するか、書き込み直してください。`,
        en:
            `The token was stopped, but its records could not be fully erased (${units(Number(p.bytesNotErased), "byte")} ${Number(p.bytesNotErased) === 1 ? "is" : "are"} left). Please give the token to the staff. ` +
            `For the staff: keep this token and do not hand it out again. Destroy it physically or reflash it, as your health centre's procedure says.`,
    }),
    "server-unreachable": () => ({
        ja: "お知らせサーバーにつながりません。しばらくしてから、もう一度お試しください。",
        en: "We cannot reach the notification server. Please try again in a little while.",
    }),
    "server-error": () => ({
        ja: "お知らせサーバーで問題が起きています。しばらくしてから、もう一度お試しください。",
        en: "The notification server has a problem right now. Please try again in a little while.",
    }),
    "verification-unavailable": () => ({
        ja: "処理番号を確認する仕組み（HER-SYS）が今つながりません。しばらくしてから、もう一度お試しください。",
        en: "The system that checks processing numbers (HER-SYS) cannot be reached now. Please try again in a little while.",
    }),
    "processing-number-rejected": () => ({
        ja: "処理番号が正しくないか、有効期限が切れています。番号をもう一度お確かめください。わからないときは、保健所にお問い合わせください。",
        en: "The processing number is wrong or has expired. Please check the number again. If you are not sure, please ask the health centre.",
    }),
    "bad-request": () => ({
        ja: "お知らせサーバーが受け付けませんでした。係員にお知らせください。",
        en: "The notification server did not accept the request. Please tell the staff.",
    }),
    unauthorized: () => ({
        ja: "この端末はお知らせサーバーに登録されていません（または登録が取り消されています）。係員にお知らせください。",
        en: "This kiosk is not registered with the notification server (or was removed). Please tell the staff.",
    }),
    "region-not-served": () => ({
        ja: "お知らせサーバーはこの地域を扱っていません。係員にお知らせください。",
        en: "The notification server does not serve this region. Please tell the staff.",
    }),
    "rate-limited": p => ({
        ja: `ただいま混み合っています。${p.seconds ?? 60}秒ほど待ってから、もう一度お試しください。`,
        en: `The server is busy. Please wait about ${units(Number(p.seconds ?? 60), "second")} and try again.`,
    }),
    "no-eligible-keys": () => ({
        ja: "登録できる期間の記録がありませんでした。発症日（または検査日）をお確かめください。",
        en: "None of the keys fall in the period that can be registered. Please check the date of the first symptoms (or of the test).",
    }),
    "end-of-service": () => ({
        ja: "この事業は終了したため、新しい登録は受け付けていません。接触の確認は、公開済みの情報が有効な間（最長14日間）続けてご利用いただけます。",
        en: "The programme has ended, so no new registrations are accepted. You can still check for contacts while the published information remains valid (up to 14 days).",
    }),
    "download-refused": () => ({
        ja: "お知らせサーバーから受け取ったファイルが正しいものと確認できなかったため、確認を中止しました。係員にお知らせください。",
        en: "A file from the notification server could not be confirmed as genuine, so the check was stopped. Please tell the staff.",
    }),
    "survey-not-sent": () => ({
        ja: "アンケートを送れなかったため、停止と消去は行っていません。トークンはそのまま使えます。しばらくしてから、もう一度お試しください。",
        en: "The survey could not be sent, so the token was NOT stopped or erased; it still works. Please try again in a little while.",
    }),
}

export const text = {
    statusTitle: { ja: "トークンの状態", en: "Your token" },
    stateActive: { ja: "正常に動いています（発信と記録をしています）", en: "Working normally (sending and recording)" },
    stateTimeNotSet: { ja: "時刻が未設定です", en: "Its clock is not set" },
    stateStopped: { ja: "使用を終えています（停止済み）", en: "Stopped (no longer in use)" },
    /** What a stopped token says of its stop (TokenSession.stop). */
    stopRecord: (byOwner: boolean, erased: boolean, checked: number) =>
        byOwner
            ? erased
                ? {
                      ja: `持ち主の方が、トークンのボタンで使用を終えました。記録と鍵はすべて消去され、確かめられています（${count(checked, "ja")}バイトを確認、消え残り 0 バイト）。トークンは窓口で回収してください。`,
                      en: `Stopped by its owner on the token itself. All records and keys were erased and checked (${units(checked, "byte")} checked, 0 bytes left). Please collect the token.`,
                  }
                : {
                      ja: "持ち主の方が、トークンのボタンで使用を終えました。消去はまだ終わっていません（トークンが自分で続けています）。しばらくしてから、もう一度つないでください。",
                      en: "Stopped by its owner on the token itself. The erasing has not finished yet (the token carries on by itself). Please connect it again in a little while.",
                  }
            : erased
              ? {
                    ja: `窓口で使用を終えたトークンです。記録と鍵はすべて消去され、確かめられています（${count(checked, "ja")}バイトを確認、消え残り 0 バイト）。`,
                    en: `Stopped at a kiosk. All records and keys were erased and checked (${units(checked, "byte")} checked, 0 bytes left).`,
                }
              : {
                    ja: "使用を終えたトークンです。消去はまだ終わっていません（トークンが自分で続けています）。しばらくしてから、もう一度つないでください。",
                    en: "This token has been stopped. The erasing has not finished yet (the token carries on by itself). Please connect it again in a little while.",
                },
    clockSetFirst: { ja: "時計を合わせました（はじめての設定です）。", en: "The clock has been set (for the first time)." },
    keysHeld: (n: number) => ({ ja: `保存している鍵: ${n}日分`, en: `Keys kept: ${units(n, "day")}` }),
    recordsHeld: (n: number) => ({ ja: `すれちがいの記録: ${n}件`, en: `Encounters recorded: ${n}` }),
    storage: (used: number, cap: number) => ({
        ja: `記録の容量: ${Math.round((100 * used) / Math.max(cap, 1))}% 使用`,
        en: `Storage: ${Math.round((100 * used) / Math.max(cap, 1))}% used`,
    }),
    drift: (s: number) => ({
        ja: s === 0 ? "時計は正確でした。" : `時計が${Math.abs(s)}秒${s > 0 ? "進んで" : "遅れて"}いたので、合わせました。`,
        en: s === 0 ? "The clock was right." : `The clock was ${units(Math.abs(s), "second")} ${s > 0 ? "fast" : "slow"}; it has been corrected.`,
    }),
    clocks: (kiosk: number, token: number, lang: Lang) => {
        const show = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC"
        return lang === "ja"
            ? `時計: この端末 ${show(kiosk)} / トークン ${token ? show(token) : "未設定"}`
            : `Clocks: this kiosk ${show(kiosk)} / your token ${token ? show(token) : "not set"}`
    },
    clockNeedsPress: {
        ja: "トークンの時計が大きくずれています。接触の確認や登録のときにボタンを押していただくと、合わせます。",
        en: "Your token's clock is far off. It will be corrected when you press its button during a check or a registration.",
    },
    statusNext: { ja: "このままお使いください。", en: "You can keep using it as it is." },
    /** After the owner's press: which clock was wrong (the token's; the kiosk's was checked against
     *  the server first) and what was done. */
    clockRepaired: (tokenOffSeconds: number, futureRecordsErased: number) => ({
        ja:
            `トークンの時計が${duration(tokenOffSeconds, "ja")}${tokenOffSeconds > 0 ? "進んで" : "遅れて"}いました（この端末の時計は通知サーバーの時刻で確かめ、正しいことを確認しました）。トークンの時計を正しい時刻に直しました。` +
            (futureRecordsErased > 0
                ? `進んだ時計のあいだに残した記録${count(futureRecordsErased, "ja")}件は、本当の時刻がわからないため消しました。これからの記録は正しい時刻で残ります。`
                : ""),
        en:
            `The token's clock was ${duration(tokenOffSeconds, "en")} ${tokenOffSeconds > 0 ? "fast" : "slow"} (this kiosk's clock was checked against the notification server and is right). The token's clock has been corrected.` +
            (futureRecordsErased > 0
                ? ` The ${units(futureRecordsErased, "record")} it made while its clock was ahead could not be dated and ${futureRecordsErased === 1 ? "was" : "were"} erased. New records get the right time.`
                : ""),
    }),

    noContact: {
        ja: "陽性と登録された方との接触は確認されませんでした。\nこれからも、トークンを身につけてお過ごしください。",
        en: "No contact with a person who registered a positive test was found.\nPlease keep wearing your token.",
    },
    contact: (dates: string[], lang: Lang) =>
        ({
            ja: `陽性と登録された方と接触した可能性があります。\n接触の日: ${dates.map(d => formatDate(d, "ja")).join("、")}`,
            en: `You may have been in contact with a person who registered a positive test.\nDate of contact: ${dates.map(d => formatDate(d, "en")).join(", ")}`,
        })[lang],
    contactNext: {
        ja: "これからすること:\n・保健所、またはお近くの医療機関（診療所）に電話でご相談ください。\n・「接触確認で接触の可能性があると出た」とお伝えください。\n・検査は無料で受けられます。\n・体調がよくないときは、出かける前に必ず電話してください。",
        en: "What to do next:\n- Please call the health centre or a nearby clinic.\n- Tell them the exposure check showed a possible contact.\n- The test is free of charge.\n- If you feel unwell, please call before going there.",
    },

    pressButtonSession: (s: number) => ({
        ja: `記録を読み取るため、トークンのボタンを1回押してください（ランプが点滅しています）。あと${s}秒`,
        en: `To let the kiosk read your token's records, please press its button once (its light is blinking). ${units(s, "second")} left`,
    }),
    pressButtonExport: (s: number) => ({
        ja: `トークンのボタンを1回押してください（ランプが点滅しています）。あと${s}秒`,
        en: `Please press the button on your token once (its light is blinking). ${units(s, "second")} left`,
    }),
    pressButtonSticker: (s: number) => ({
        ja: `Bluetooth 用のシールを作るには、トークンのボタンを1回押してください（ランプが点滅しています）。あと${s}秒`,
        en: `To make the token's Bluetooth sticker, please press its button once (its light is blinking). ${units(s, "second")} left`,
    }),
    stickerWritten: (path: string) => ({
        ja: `シールのページを ${path} に書きました。印刷してトークンに貼り、ファイルは削除してください。`,
        en: `The sticker page is in ${path}. Print it, stick it on the token, then delete the file.`,
    }),
    handedOut: (sticker: string, sheet: string) => ({
        ja: `トークンの時計を合わせ、記録を始めました。シールのページを ${sticker} に、持ち主の方への説明書を ${sheet} に書きました。シールを印刷して貼り、説明書を印刷してお渡しください。シールのファイルは印刷後に削除してください。`,
        en: `The token's clock is set and it has started recording. The sticker page is in ${sticker}, the owner's sheet in ${sheet}. Print the sticker and put it on the token, print the sheet and hand it over. Delete the sticker file once printed.`,
    }),
    pressButtonDecommission: (s: number) => ({
        ja: `トークンの使用を終えるには、ボタンを1回押してください（ランプが点滅しています）。あと${s}秒`,
        en: `To stop using the token, please press its button once (its light is blinking). ${units(s, "second")} left`,
    }),
    registered: (accepted: number) => ({
        ja: `陽性の登録が終わりました（${accepted}日分の鍵を送りました）。\nご協力ありがとうございます。お大事になさってください。保健所の案内に従ってお過ごしください。`,
        en: `Your positive test has been registered (keys for ${units(accepted, "day")} ${accepted === 1 ? "was" : "were"} sent).\nThank you for helping others. Please take care, and follow the health centre's advice.`,
    }),
    registerKept: {
        ja: "登録の内容はこの画面を閉じるまで保存されています。もう一度送りますか？ (y/n) ",
        en: "The registration is kept until this screen is closed. Send it again? (y/n) ",
    },
    registerNotSent: {
        ja: "登録は送られていません。トークンの記録は消えていませんので、あとでもう一度お試しください。",
        en: "The registration was not sent. Nothing on your token was lost; please try again later.",
    },
    surveySent: { ja: "アンケートを送りました。ご協力ありがとうございました。", en: "The survey was sent. Thank you." },
    decommissioned: (checked: number) => ({
        ja: `トークンの使用を終えました。記録と鍵はすべて消去され、確認しました（${checked.toLocaleString("ja-JP")}バイトを確認、消え残り 0 バイト）。\nトークンは処分していただいてかまいません。長い間ありがとうございました。`,
        en: `Your token has been stopped. All records and keys were erased and checked (${units(checked, "byte")} checked, 0 bytes left).\nYou may now dispose of the token. Thank you for using it.`,
    }),
    trustedKey: (fp: string) => ({
        ja: `お知らせサーバーの鍵を登録しました。指紋: ${fp}\nサーバー管理者が示す指紋と同じか確かめてください。`,
        en: `The server's export key has been pinned. Fingerprint: ${fp}\nCompare it with the fingerprint the server's operator gives you.`,
    }),

    progressDownload: (done: number, total: number, downloaded: number) => ({
        ja: `お知らせの受け取り中… ${done}/${total}（新しく受け取った数 ${downloaded}）`,
        en: `Getting notifications… ${done}/${total} (${downloaded} new)`,
    }),
    progressReadLog: (read: number, total: number) => ({
        ja: `記録の読み込み中（要約）… ${read}/${total}`,
        en: `Reading the records (in short)… ${read}/${total}`,
    }),
    progressReadCandidates: (done: number, total: number) => ({
        ja: `一致するかもしれない記録をくわしく読み込み中… ${done}/${total}`,
        en: `Reading in full the records that may match… ${done}/${total}`,
    }),
    progressMatch: (done: number, total: number) => ({ ja: `照合中… ${done}/${total}`, en: `Checking… ${done}/${total}` }),
    progressRetry: (attempt: number, seconds: number) => ({
        ja: `送信できませんでした。${seconds}秒後にもう一度送ります（${attempt}回目）…`,
        en: `Sending failed. Trying again in ${units(seconds, "second")} (attempt ${attempt})…`,
    }),
    tokenUnplugged: {
        ja: "トークンが外れました。もう一度差し込んでください。読み込みは続きから再開します。",
        en: "The token was unplugged. Please plug it in again; reading will continue where it stopped.",
    },
    tokenBack: { ja: "トークンがつながりました。続きから読み込みます。", en: "The token is back. Reading on from where it stopped." },
    promptProcessingNumber: { ja: "処理番号（8けた）: ", en: "Processing number (8 digits): " },
    promptOnset: { ja: "症状が出始めた日、または検査日（YYYY-MM-DD、空なら今日）: ", en: "Day symptoms began, or test date (YYYY-MM-DD, empty for today): " },
    serving: (url: string) => ({
        ja: `窓口の画面を開くには、このアドレスをブラウザーで開いてください（この端末の中だけで使えます）:\n${url}\n終えるときは Ctrl+C を押してください。`,
        en: `Open this address in the browser on this computer to use the kiosk (it works on this computer only):\n${url}\nPress Ctrl+C to stop.`,
    }),
    details: { ja: "詳細（係員向け）", en: "Details (for staff)" },
}

/** A calendar date (YYYY-MM-DD) with its weekday, e.g. 2026年4月2日(木) / Thu, 2 April 2026. */
export function longDate(date: string, lang: Lang): string {
    const f = new Intl.DateTimeFormat(lang === "ja" ? "ja-JP" : "en-GB", { year: "numeric", month: "long", day: "numeric", weekday: "short", timeZone: "UTC" })
    return f.format(new Date(`${date}T00:00:00Z`))
}

/** A moment on the kiosk's local clock, e.g. 2026年4月2日(木) 10:05. */
export function dateTime(ms: number, lang: Lang): string {
    return new Intl.DateTimeFormat(lang === "ja" ? "ja-JP" : "en-GB", { dateStyle: "medium", timeStyle: "short" }).format(new Date(ms))
}

export function count(n: number, lang: Lang): string {
    return n.toLocaleString(lang === "ja" ? "ja-JP" : "en-GB")
}

/** An English count with its noun in the right number: "1 day", "2 days", "1,024 bytes". */
export function units(n: number, one: string, many = one + "s"): string {
    return `${count(n, "en")} ${n === 1 ? one : many}`
}

/** A duration for people: "3分" / "about 3 minutes", seconds only when under a minute. */
export function duration(seconds: number, lang: Lang): string {
    const s = Math.abs(Math.round(seconds))
    if (s < 60) return lang === "ja" ? `${s}秒` : units(s, "second")
    const m = Math.round(s / 60)
    if (m < 120) return lang === "ja" ? `${m}分` : units(m, "minute")
    const h = Math.round(m / 60)
    if (h < 48) return lang === "ja" ? `${h}時間` : units(h, "hour")
    const d = Math.round(h / 24)
    return lang === "ja" ? `${d}日` : units(d, "day")
}

/** The web app's screens (kiosk/web). Owner-facing lines avoid technical words; "トークン" is explained once. */
export const screen = {
    appTitle: { ja: "接触確認の窓口", en: "Exposure check desk" },
    otherLang: { ja: "English", en: "日本語" },
    otherLangName: { ja: "Switch to English", en: "日本語に切り替える" },
    nav: { ja: "画面の切り替え", en: "Screens" },
    navConnect: { ja: "つなぐ", en: "Connect" },
    navStatus: { ja: "状態", en: "Status" },
    navCheck: { ja: "接触の確認", en: "Exposure check" },
    navRegister: { ja: "陽性情報の登録", en: "Register a positive test" },
    navDecommission: { ja: "使用終了", en: "End of use" },
    navSettings: { ja: "設定（職員用）", en: "Settings (staff)" },
    connectTitle: { ja: "トークンをつなぐ", en: "Connect the token" },
    connectIntro: {
        ja: "トークン（すれちがった記録を持ち歩く小さな機器）を、この端末のUSBに差し込んでください。",
        en: "Please plug the token (the small device that keeps a record of people you were near) into this computer's USB port.",
    },
    portsTitle: { ja: "見つかった機器", en: "Devices found" },
    portsNone: { ja: "まだ見つかりません。差し込むと、ここに表示されます。", en: "None yet. It appears here once it is plugged in." },
    connectPort: { ja: "この機器につなぐ", en: "Connect this device" },
    addressLabel: { ja: "アドレス（試験用の模擬トークン）", en: "Address (simulated token, for testing)" },
    bluetoothTitle: { ja: "ケーブルなしで（Bluetooth）", en: "Without a cable (Bluetooth)" },
    bluetoothIntro: {
        ja: "ケースに入ったトークンは、持ち主にトークンのボタンを押してもらい、1分以内にシールのコードを読み取ってください。",
        en: "For a token in a sealed case: ask the owner to press the token's button, then scan its sticker within a minute.",
    },
    stickerLabel: { ja: "シールのコード", en: "Sticker code" },
    connectBluetooth: { ja: "Bluetooth でつなぐ", en: "Connect over Bluetooth" },
    connect: { ja: "つなぐ", en: "Connect" },
    connecting: { ja: "つないでいます…", en: "Connecting…" },
    connected: { ja: "トークンとつながりました。", en: "The token is connected." },
    disconnect: { ja: "終わる（トークンを外す）", en: "Finish (unplug the token)" },
    statusTitle: { ja: "トークンの状態", en: "Token status" },
    noToken: { ja: "トークンがつながっていません。「つなぐ」からつないでください。", en: "No token is connected. Please connect one first." },
    state: { ja: "状態", en: "State" },
    tokenClock: { ja: "トークンの時計（合わせる前）", en: "Token's clock (before setting)" },
    kioskClock: { ja: "この端末の時計", en: "This kiosk's clock" },
    clockGap: { ja: "時計のずれ", en: "Clock difference" },
    driftText: (s: number, lang: Lang) =>
        s === 0
            ? { ja: "ずれはありませんでした", en: "none" }[lang]
            : lang === "ja"
              ? `${duration(s, "ja")}${s > 0 ? "進んで" : "遅れて"}いたので、合わせました`
              : `${duration(s, "en")} ${s > 0 ? "fast" : "slow"}; corrected`,
    clockWasUnset: { ja: "はじめて時計を合わせました", en: "The clock was set for the first time" },
    stopRecordTitle: { ja: "使用終了の記録", en: "End of use" },
    daysKept: { ja: "陽性登録に使うデータ", en: "Data for a positive registration" },
    daysValue: (n: number, lang: Lang) => (lang === "ja" ? `${count(n, "ja")}日分` : units(n, "day")),
    records: { ja: "すれちがいの記録", en: "Encounters recorded" },
    recordsValue: (n: number, lang: Lang) => (lang === "ja" ? `${count(n, "ja")}件` : count(n, "en")),
    storage: { ja: "記録の容量", en: "Storage used" },
    storageValue: (used: number, cap: number, lang: Lang) => {
        const pct = Math.round((100 * used) / Math.max(cap, 1))
        return lang === "ja" ? `${pct}% 使用（${count(used, "ja")} / ${count(cap, "ja")} バイト）` : `${pct}% (${count(used, "en")} of ${units(cap, "byte")})`
    },
    lastSync: { ja: "最後に同期した時刻", en: "Last synchronised" },
    checkTitle: { ja: "接触の確認", en: "Exposure check" },
    checkIntro: {
        ja: "陽性者の情報を受け取り、トークンの記録と照らし合わせます。数分かかります。トークンは抜かないでください。",
        en: "The kiosk gets the latest information on positive cases and compares it with the token's record. It takes a few minutes; please leave the token plugged in.",
    },
    checkStart: { ja: "確認を始める", en: "Start the check" },
    progressLabel: { ja: "確認の進み具合", en: "Progress of the check" },
    stepDownload: { ja: "陽性者の情報を受け取っています", en: "Getting the information on positive cases" },
    stepReadLog: { ja: "トークンの記録を読んでいます", en: "Reading the token's record" },
    stepMatch: { ja: "照らし合わせています", en: "Comparing" },
    stepReadCandidates: { ja: "一致するかもしれない記録をくわしく読んでいます", en: "Reading in full the records that may match" },
    /** How many of the records of this step are read: 1,234 / 32,131 (件 in Japanese). */
    countOf: (done: number, total: number, lang: Lang) =>
        lang === "ja"
            ? `${done.toLocaleString("ja-JP")} / ${total.toLocaleString("ja-JP")} 件`
            : `${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}`,
    timeLeft: (s: number, lang: Lang) => (lang === "ja" ? `残り約${duration(s, "ja")}` : `About ${duration(s, "en")} left`),
    unplugged: {
        ja: "トークンが外れました。もう一度差し込んでください。続きから読み込みます。",
        en: "The token was unplugged. Please plug it in again; reading continues where it stopped.",
    },
    noContactTitle: { ja: "陽性者との接触は確認されませんでした", en: "No contact with a positive case was found" },
    noContactNext: { ja: "これからも、トークンを身につけてお過ごしください。", en: "Please keep wearing your token." },
    contactTitle: { ja: "陽性者との接触の可能性があります", en: "You may have been in contact with a positive case" },
    contactDates: { ja: "接触の日", en: "Date of contact" },
    contactNext: {
        ja: [
            "保健所、またはお近くの医療機関に電話でご相談ください。",
            "「接触確認で接触の可能性があると出た」とお伝えください。",
            "検査は無料で受けられます。",
            "体調がよくないときは、出かける前に必ず電話してください。",
        ],
        en: [
            "Please call the health centre or a nearby clinic.",
            "Tell them the exposure check showed a possible contact.",
            "The test is free of charge.",
            "If you feel unwell, please call before going there.",
        ],
    },
    centreContact: { ja: "ご相談先", en: "Whom to call" },
    centreHours: { ja: "受付時間", en: "Hours" },
    centrePhone: { ja: "電話", en: "Phone" },
    print: { ja: "結果を印刷する", en: "Print the result" },
    paper: { ja: "用紙", en: "Paper" },
    paperA6: { ja: "A6", en: "A6" },
    paper80: { ja: "レシート 80mm", en: "Receipt 80 mm" },
    paper58: { ja: "レシート 58mm", en: "Receipt 58 mm" },
    slipTitle: { ja: "接触確認の結果", en: "Exposure check result" },
    slipCheckedOn: { ja: "確認した日", en: "Checked on" },
    done: { ja: "終わる", en: "Done" },
    registerTitle: { ja: "陽性情報の登録", en: "Register a positive test" },
    registerIntro: {
        ja: "陽性と診断された方が登録すると、近くにいた方にお知らせが届きます。お名前や場所は送りません。",
        en: "When a person who tested positive registers, people who were near them are told. No name or place is sent.",
    },
    processingNumber: { ja: "処理番号（8けたの数字）", en: "Processing number (8 digits)" },
    processingNumberHint: {
        ja: "保健所から届いた処理番号を入力してください。読み取り機（バーコード・QRコード）も使えます。",
        en: "Enter the processing number from the health centre. A barcode or QR code reader works too.",
    },
    symptomsQuestion: { ja: "症状はありますか", en: "Do you have symptoms?" },
    symptomsYes: { ja: "症状がある", en: "Yes, I have symptoms" },
    symptomsNo: { ja: "症状はない", en: "No symptoms" },
    onsetDate: { ja: "症状が出始めた日", en: "Day the symptoms began" },
    testDate: { ja: "検査を受けた日", en: "Day of the test" },
    next: { ja: "次へ", en: "Next" },
    back: { ja: "戻る", en: "Back" },
    cancel: { ja: "やめる", en: "Cancel" },
    processingNumberInvalid: {
        ja: "処理番号は8けたの数字です。もう一度お確かめください。",
        en: "A processing number has exactly 8 digits. Please check it again.",
    },
    dateMissing: { ja: "日付を選んでください。", en: "Please choose the date." },
    consentTitle: { ja: "送る内容の確認", en: "What will be sent" },
    consentText: {
        ja: [
            "送るのは、このトークンが最近の数日間に発信していた番号（毎日変わる、でたらめな番号）だけです。",
            "お名前、住所、電話番号、場所、すれちがいの記録は送りません。",
            "処理番号は、登録が正しいことの確認だけに使われます。",
        ],
        en: [
            "Only the numbers this token sent out over the last days (random numbers that change every day) are sent.",
            "No name, address, phone number, place or record of encounters is sent.",
            "The processing number is used only to confirm the registration.",
        ],
    },
    consentAgree: { ja: "同意して登録する", en: "Agree and register" },
    pressTitle: { ja: "トークンのボタンを1回押してください", en: "Please press the token's button once" },
    pressHint: { ja: "ランプが点滅している間に押してください。", en: "Press it while its light is blinking." },
    pressLeft: (s: number, lang: Lang) => (lang === "ja" ? `あと${s}秒` : `${units(s, "second")} left`),
    sending: { ja: "送っています…", en: "Sending…" },
    retrying: (attempt: number, s: number, lang: Lang) =>
        lang === "ja"
            ? `送れませんでした。${s}秒後にもう一度送ります（${attempt}回目）`
            : `Sending failed. Trying again in ${units(s, "second")} (attempt ${attempt})`,
    sendAgain: { ja: "もう一度送る", en: "Send again" },
    registeredTitle: { ja: "陽性情報の登録が終わりました", en: "The positive test has been registered" },
    registeredText: (n: number, lang: Lang) =>
        lang === "ja"
            ? `${count(n, "ja")}日分を送りました。ご協力ありがとうございます。お大事になさってください。`
            : `${units(n, "day")} ${n === 1 ? "was" : "were"} sent. Thank you for helping others. Please take care.`,
    decommissionTitle: { ja: "使用終了", en: "End of use" },
    decommissionIntro: {
        ja: "使用を終えると、トークンは発信を止め、記録をすべて消去します。元には戻せません。その前に、よろしければアンケートにお答えください（どれも任意です）。",
        en: "Ending use stops the token for good and erases everything on it. This cannot be undone. Before that, you may answer a short survey (every question is optional).",
    },
    surveyAge: { ja: "年代", en: "Age" },
    surveyAgeOptions: {
        ja: ["答えない", "14歳以下", "15〜19歳", "20〜24歳", "25〜29歳", "30代", "40代", "50代", "60代", "70歳以上"],
        en: ["No answer", "14 or under", "15–19", "20–24", "25–29", "30s", "40s", "50s", "60s", "70 or over"],
    },
    surveyCommute: { ja: "通勤・通学", en: "Commuting" },
    surveyCommuteOptions: {
        ja: ["答えない", "していない", "している（公共交通機関以外）", "している（公共交通機関）"],
        en: ["No answer", "I do not commute", "Yes, not by public transport", "Yes, by public transport"],
    },
    consentStart: { ja: "使い始めた日を送ることに同意します", en: "I agree to send the day I started using it" },
    startDate: { ja: "使い始めた日", en: "Day you started using it" },
    consentExposures: {
        ja: "接触の確認の結果（日ごとに、接触があったかどうかだけ）を送ることに同意します",
        en: "I agree to send the check's result (for each day, only whether there was a contact)",
    },
    decommissionStart: { ja: "使用を終える", en: "End use of the token" },
    decommissionedTitle: { ja: "トークンの使用を終えました", en: "The token has been stopped" },
    decommissionedText: (checked: number, lang: Lang) =>
        lang === "ja"
            ? `記録はすべて消去されました。消えたことを、全体（${count(checked, "ja")}バイト）を読み直して確かめました。消え残りはありません。トークンは処分していただいてかまいません。長い間ありがとうございました。`
            : `Everything on the token was erased. The whole memory (${units(checked, "byte")}) was read back to confirm it: nothing is left. You may now dispose of the token. Thank you for using it.`,
    surveySentText: { ja: "アンケートを送りました。ご協力ありがとうございました。", en: "The survey was sent. Thank you." },
    navHandOut: { ja: "お渡し", en: "Hand out" },
    handOutTitle: { ja: "新しいトークンのお渡し", en: "Hand out a new token" },
    handOutIntro: {
        ja: "新しいトークンをつなぎ、「お渡しを始める」を押します。持ち主になる方に、ボタンを2回（時計合わせとシール）押していただきます。お名前などは何も伺いません。",
        en: 'Connect a new token and press "Start the hand-out". The person who will carry it presses its button twice (for the clock and the sticker). Nothing about the person is asked.',
    },
    handOutStart: { ja: "お渡しを始める", en: "Start the hand-out" },
    handOutWorking: { ja: "準備しています…", en: "Getting it ready…" },
    handedOutTitle: { ja: "トークンの準備ができました", en: "The token is ready" },
    handedOutText: {
        ja: "時計を合わせ、記録を始めました。シールを印刷してトークンに貼り、説明書を印刷して持ち主の方にお渡しください。",
        en: "Its clock is set and it has started recording. Print the sticker and put it on the token, then print the owner's sheet and give it with the token.",
    },
    printSticker: { ja: "シールを印刷する", en: "Print the sticker" },
    printSheet: { ja: "持ち主の方への説明書（日本語）", en: "The owner's sheet (English)" },
    printSheetOther: { ja: "説明書（英語）", en: "The owner's sheet (Japanese)" },
    settingsTitle: { ja: "設定（職員用）", en: "Settings (staff)" },
    settingServer: { ja: "お知らせサーバーのURL", en: "Notification server URL" },
    settingPublicKey: { ja: "サーバーの公開鍵（PEM または base64）", en: "Server's export public key (PEM or base64)" },
    settingFingerprint: { ja: "登録済みの公開鍵の指紋", en: "Fingerprint of the pinned key" },
    settingNoKey: { ja: "まだ登録されていません", en: "none pinned yet" },
    settingApiKey: { ja: "この端末のAPIキー", en: "This kiosk's API key" },
    settingApiKeySet: { ja: "設定済み（変えるときだけ入力）", en: "set (type only to change it)" },
    settingCentreName: { ja: "施設名", en: "Centre name" },
    settingCentrePhone: { ja: "電話番号", en: "Phone number" },
    settingCentreHours: { ja: "受付時間", en: "Opening hours" },
    settingLang: { ja: "最初に表示する言語", en: "Starting language" },
    save: { ja: "保存する", en: "Save" },
    saved: { ja: "保存しました。", en: "Saved." },
    staffDetails: { ja: "詳細（職員向け）", en: "Details (for staff)" },
    errorTitle: { ja: "うまくいきませんでした", en: "Something went wrong" },
}
