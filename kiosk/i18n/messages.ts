// Everything the kiosk says to a person, in Japanese and English. Plain, kind words for someone who
// may be elderly and not technical, always ending with what to do next. Technical details stay in the
// --json output and in the "details" line for the staff.
import type { KioskErrorCode } from "../errors.js"
import { formatDate, type Lang } from "./locale.js"

type Text = Record<Lang, string>

export const errorText: Record<KioskErrorCode, (p: Record<string, string | number>) => Text> = {
    "usage": () => ({
        ja: "入力に誤りがあります。下の「詳細」を係の人に見せてください。",
        en: "Something in the request is not right. Please show the details below to the staff.",
    }),
    "config": () => ({
        ja: "この端末の設定に問題があります。係の人にお知らせください。",
        en: "This kiosk is not set up correctly. Please tell the staff.",
    }),
    "no-public-key": () => ({
        ja: "この端末には、お知らせサーバーの確認用の鍵が設定されていません。係の人にお知らせください。",
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
    "token-stopped": () => ({
        ja: "このトークンはすでに使用を終えています（停止済み）。",
        en: "This token has already been stopped and can no longer be used.",
    }),
    "button-not-pressed": () => ({
        ja: "ボタンが押されませんでした。もう一度はじめからお試しください。ランプが点滅している間に、トークンのボタンを1回押してください。",
        en: "The button was not pressed in time. Please start again, and press the token's button once while its light is blinking.",
    }),
    "no-keys-on-token": () => ({
        ja: "トークンに登録できる記録がありませんでした。係の人にご相談ください。",
        en: "Your token had no keys to register. Please ask the staff.",
    }),
    "erase-incomplete": p => ({
        ja: `トークンは停止しましたが、消えていない部分が ${p.bytesNotErased} バイト残っています。係の人にお渡しください。`,
        en: `The token was stopped, but ${p.bytesNotErased} bytes were not erased. Please give the token to the staff.`,
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
        ja: "お知らせサーバーが受け付けませんでした。係の人にお知らせください。",
        en: "The notification server did not accept the request. Please tell the staff.",
    }),
    "unauthorized": () => ({
        ja: "この端末はお知らせサーバーに登録されていません（または登録が取り消されています）。係の人にお知らせください。",
        en: "This kiosk is not registered with the notification server (or was removed). Please tell the staff.",
    }),
    "region-not-served": () => ({
        ja: "お知らせサーバーはこの地域を扱っていません。係の人にお知らせください。",
        en: "The notification server does not serve this region. Please tell the staff.",
    }),
    "rate-limited": p => ({
        ja: `ただいま混み合っています。${p.seconds ?? 60}秒ほど待ってから、もう一度お試しください。`,
        en: `The server is busy. Please wait about ${p.seconds ?? 60} seconds and try again.`,
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
        ja: "お知らせサーバーから受け取ったファイルが正しいものと確認できなかったため、確認を中止しました。係の人にお知らせください。",
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
    clockSetFirst: { ja: "時計を合わせました（はじめての設定です）。", en: "The clock has been set (for the first time)." },
    keysHeld: (n: number) => ({ ja: `保存している鍵: ${n}日分`, en: `Keys kept: ${n} days` }),
    recordsHeld: (n: number) => ({ ja: `すれちがいの記録: ${n}件`, en: `Encounters recorded: ${n}` }),
    storage: (used: number, cap: number) => ({ ja: `記録の容量: ${Math.round((100 * used) / Math.max(cap, 1))}% 使用`, en: `Storage: ${Math.round((100 * used) / Math.max(cap, 1))}% used` }),
    drift: (s: number) => ({
        ja: s === 0 ? "時計は正確でした。" : `時計が${Math.abs(s)}秒${s > 0 ? "進んで" : "遅れて"}いたので、合わせました。`,
        en: s === 0 ? "The clock was right." : `The clock was ${Math.abs(s)} seconds ${s > 0 ? "fast" : "slow"}; it has been corrected.`,
    }),
    statusNext: { ja: "このままお使いください。", en: "You can keep using it as it is." },

    noContact: {
        ja: "陽性と登録された方との接触は確認されませんでした。\nこれからも、トークンを身につけてお過ごしください。",
        en: "No contact with a person who registered a positive test was found.\nPlease keep wearing your token.",
    },
    contact: (dates: string[], lang: Lang) => ({
        ja: `陽性と登録された方と接触した可能性があります。\n接触の日: ${dates.map(d => formatDate(d, "ja")).join("、")}`,
        en: `You may have been in contact with a person who registered a positive test.\nDate of contact: ${dates.map(d => formatDate(d, "en")).join(", ")}`,
    })[lang],
    contactNext: {
        ja: "これからすること:\n・保健所、またはお近くの医療機関（診療所）に電話でご相談ください。\n・「接触確認で接触の可能性があると出た」とお伝えください。\n・検査は無料で受けられます。\n・体調がよくないときは、出かける前に必ず電話してください。",
        en: "What to do next:\n- Please call the health centre or a nearby clinic.\n- Tell them the exposure check showed a possible contact.\n- The test is free of charge.\n- If you feel unwell, please call before going there.",
    },

    pressButtonExport: (s: number) => ({
        ja: `トークンのボタンを1回押してください（ランプが点滅しています）。あと${s}秒`,
        en: `Please press the button on your token once (its light is blinking). ${s} seconds left`,
    }),
    pressButtonDecommission: (s: number) => ({
        ja: `トークンの使用を終えるには、ボタンを1回押してください（ランプが点滅しています）。あと${s}秒`,
        en: `To stop using the token, please press its button once (its light is blinking). ${s} seconds left`,
    }),
    registered: (accepted: number) => ({
        ja: `陽性の登録が終わりました（${accepted}日分の鍵を送りました）。\nご協力ありがとうございます。お大事になさってください。保健所の案内に従ってお過ごしください。`,
        en: `Your positive test has been registered (keys for ${accepted} days were sent).\nThank you for helping others. Please take care, and follow the health centre's advice.`,
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
        en: `Your token has been stopped. All records and keys were erased and checked (${checked.toLocaleString("en-US")} bytes checked, 0 bytes left).\nYou may now dispose of the token. Thank you for using it.`,
    }),
    trustedKey: (fp: string) => ({
        ja: `お知らせサーバーの鍵を登録しました。指紋: ${fp}\nサーバー管理者が示す指紋と同じか確かめてください。`,
        en: `The server's export key has been pinned. Fingerprint: ${fp}\nCompare it with the fingerprint the server's operator gives you.`,
    }),

    progressDownload: (done: number, total: number, downloaded: number) => ({
        ja: `お知らせの受け取り中… ${done}/${total}（新しく受け取った数 ${downloaded}）`,
        en: `Getting notifications… ${done}/${total} (${downloaded} new)`,
    }),
    progressReadLog: (read: number, total: number) => ({ ja: `記録の読み込み中… ${read}/${total}`, en: `Reading the records… ${read}/${total}` }),
    progressMatch: (done: number, total: number) => ({ ja: `照合中… ${done}/${total}`, en: `Checking… ${done}/${total}` }),
    progressRetry: (attempt: number, seconds: number) => ({
        ja: `送信できませんでした。${seconds}秒後にもう一度送ります（${attempt}回目）…`,
        en: `Sending failed. Trying again in ${seconds} seconds (attempt ${attempt})…`,
    }),
    details: { ja: "詳細（係の人向け）", en: "Details (for staff)" },
}
