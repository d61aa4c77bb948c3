// The sheet handed to a token's owner (an elderly person, or a child's parent), one A4 page in large
// type and plain words, Japanese or English: what the token sends and records and what it never does,
// what its light means, keeping it charged, what the health centre does with it, how to end its use
// on the token itself, and the centre's contact from the kiosk's settings. It is the same for every
// owner: nothing about the person is on it. A plain document (no script), printed from the browser.
import type { Lang } from "../i18n/locale.js"
import type { DeskSettings } from "../config.js"

/** "Charge it every N days": docs/power.md estimates about 16 days per 1000 mAh for the recommended
 *  board (ESP32-C3 with a 32 kHz crystal); a week is asked so that a half-charged or ageing battery,
 *  or a board without the crystal (about 9 days), still never runs out between charges. */
export const CHARGE_EVERY_DAYS = 7

/** The owner's steps to end use on the token (src/sync/withdrawal.ts: 10 s hold, 10 s to confirm). */
const WITHDRAW_STEPS = {
    ja: [
        "トークンのボタンを押したまま、10秒待ちます。ランプが赤く点灯したままになります。",
        "ボタンから手を離します。",
        "10秒以内に、もう1回だけ短く押します。ランプが消え、トークンは止まり、中の記録はすべて消えます。",
    ],
    en: [
        "Press the token's button and keep holding it for 10 seconds. The light turns red and stays red.",
        "Let go of the button.",
        "Within 10 seconds, press it once more, briefly. The light goes out: the token stops and everything in it is erased.",
    ],
}

/** The light table, as on the token (src/status/status-light.ts; README "The token's light"). */
const LIGHTS = {
    ja: [
        ["10秒ごとに緑が短く光る", "正しく動いています。"],
        ["黄色が2回ずつ点滅", "時計が合っていません。保健所でつないでください。"],
        ["オレンジが3回ずつ点滅", "記録がいっぱいに近づいています。古いものから自動で消えます。そのままお使いください。"],
        ["青が速く点滅", "保健所の端末がボタンを待っています。30秒以内に1回押してください。"],
        ["赤く点灯したまま", "使用をやめる操作の途中です（下の「使用をやめるには」）。何もしなければ取り消されます。"],
        ["消えている", "使用を終えたか、電池が切れています。充電しても光らないときは保健所へ。"],
    ],
    en: [
        ["A short green flash every 10 seconds", "It is working."],
        ["Two yellow blinks, again and again", "Its clock is not set. Please bring it to the health centre."],
        ["Three orange blinks", "Its memory is nearly full: the oldest records make room by themselves."],
        ["Fast blue blinking", "The health centre's kiosk waits for the button: press it once within 30 seconds."],
        ["Steady red", 'You are ending its use (see "To stop using it" below). Do nothing to cancel.'],
        ["Dark", "Its use has ended, or the battery is empty (dark even after charging: bring it to the health centre)."],
    ],
}

const TEXT = {
    title: { ja: "接触確認トークンをお使いの方へ", en: "Your exposure-notification token" },
    intro: {
        ja: "このトークンは、新型コロナウイルスなどの陽性の方と近くにいたかどうかを、あとで確かめるためのものです。スマートフォンは要りません。",
        en: "This token lets you find out later whether you were near someone who tested positive. You do not need a smartphone.",
    },
    doesTitle: { ja: "トークンがすること", en: "What the token does" },
    does: {
        ja: [
            "10〜20分ごとに変わる、意味のない番号だけを、電波（Bluetooth）で周りに送ります。",
            "近くの人のトークンやスマートフォンが送る番号と、その時刻・近さを、14日間だけトークンの中に記録します。古い記録は自動で消えます。",
        ],
        en: [
            "It sends out only random numbers that change every 10 to 20 minutes, by radio (Bluetooth).",
            "It records the numbers sent by tokens and phones near you, with when and how near, for 14 days only. Older records are erased by themselves.",
        ],
    },
    neverTitle: { ja: "トークンが決してしないこと", en: "What the token never does" },
    never: {
        ja: [
            "お名前・住所・電話番号・いた場所は、記録も送信もしません。",
            "インターネットにはつながりません。マイクもカメラもありません。",
            "保健所にも、あなたについての記録は残りません。",
        ],
        en: [
            "It never records or sends your name, address, phone number or where you were.",
            "It does not connect to the internet. It has no microphone and no camera.",
            "The health centre keeps no record about you either.",
        ],
    },
    lightTitle: { ja: "ランプの見え方", en: "What the light means" },
    lightHead: { ja: ["見え方", "意味"], en: ["You see", "It means"] },
    dailyTitle: { ja: "毎日のこと", en: "Every day" },
    daily: {
        ja: ["いつも身につけて（首にかける、かばんに入れるなど）お出かけください。", `${CHARGE_EVERY_DAYS}日ごとに充電してください。`],
        en: ["Keep it with you when you go out (round your neck, or in your bag).", `Charge it every ${CHARGE_EVERY_DAYS} days.`],
    },
    centreTitle: { ja: "保健所でできること", en: "At the health centre" },
    centre: {
        ja: [
            "確認: 陽性の方と近くにいたかどうかを調べます。",
            "登録: 検査で陽性になったとき、処理番号を使って、ほかの方に知らせます。",
            "使用終了: トークンを止めて、中の記録をすべて消します。",
            "どれも、トークンを持って行き、本人がボタンを押して確かめます。",
        ],
        en: [
            "Check: find out whether you were near someone who tested positive.",
            "Register: if you test positive, let others know, using your processing number.",
            "End of use: stop the token and erase everything in it.",
            "Bring the token; each time, you confirm by pressing its button yourself.",
        ],
    },
    withdrawTitle: { ja: "使用をやめるには（保健所に行かなくてもできます）", en: "To stop using it (you do not need to go to the health centre)" },
    withdrawNote: {
        ja: "途中で手を離したり、10秒以内に押さなかったりすると、取り消されます。止まったトークンは、ついでのときに保健所へお返しください。",
        en: "Letting go early, or not pressing again within 10 seconds, cancels. Please return a stopped token to the health centre when convenient.",
    },
    contactTitle: { ja: "お問い合わせ", en: "Contact" },
    hours: { ja: "受付時間", en: "Opening hours" },
    otherLang: { ja: "English", en: "日本語" },
}

const escape = (s: string) => s.replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!)
const list = (items: string[], tag = "ul") => `<${tag}>${items.map(i => `<li>${escape(i)}</li>`).join("")}</${tag}>`

/** The sheet's address on the kiosk web app (kiosk/web/server.ts), in `lang`. */
export const ownerSheetPath = (lang: Lang) => `/handout/sheet?lang=${lang}`

/** The owner's sheet as one HTML page (A4, large type), with a link to the other language. */
export function ownerSheet(lang: Lang, centre: Pick<DeskSettings, "centreName" | "centrePhone" | "centreHours">): string {
    const t = (x: Record<Lang, string>) => escape(x[lang])
    const other: Lang = lang === "ja" ? "en" : "ja"
    const contact = [centre.centreName, centre.centrePhone]
        .filter(Boolean)
        .map(s => escape(s!))
        .join("　")
    return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>${t(TEXT.title)}</title>
<style>
  @page { size: A4; margin: 8mm 13mm; }
  body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; font-size: 12.5pt; line-height: 1.27; color: #000; margin: 0; }
  h1 { font-size: 20pt; margin: 0 0 2mm; }
  h2 { font-size: 14pt; margin: 2.5mm 0 1mm; border-bottom: 0.5mm solid #000; }
  p, ul, ol { margin: 0 0 1mm; }
  ul, ol { padding-left: 7mm; }
  table { border-collapse: collapse; width: 100%; font-size: 11.5pt; }
  th, td { border: 0.3mm solid #555; padding: 0.6mm 2mm; text-align: left; vertical-align: top; }
  td:first-child, th:first-child { width: 38%; }
  .contact { border: 0.6mm solid #000; padding: 1.5mm 3mm; margin: 2mm 0; font-size: 13pt; }
  .two { display: grid; grid-template-columns: 1fr 1fr; gap: 0 7mm; }
  .lang { float: right; font-size: 11pt; }
  @media print { .lang { display: none; } }
</style>
</head>
<body>
<a class="lang" href="${ownerSheetPath(other)}" lang="${other}">${escape(TEXT.otherLang[lang])}</a>
<h1>${t(TEXT.title)}</h1>
<p>${t(TEXT.intro)}</p>
${contact || centre.centreHours ? `<div class="contact"><strong>${t(TEXT.contactTitle)}</strong>　${contact}${centre.centreHours ? `<br>${t(TEXT.hours)}: ${escape(centre.centreHours)}` : ""}</div>` : ""}
<div class="two">
<div><h2>${t(TEXT.doesTitle)}</h2>
${list(TEXT.does[lang])}</div>
<div><h2>${t(TEXT.neverTitle)}</h2>
${list(TEXT.never[lang])}</div>
</div>
<h2>${t(TEXT.lightTitle)}</h2>
<table><thead><tr><th>${escape(TEXT.lightHead[lang][0])}</th><th>${escape(TEXT.lightHead[lang][1])}</th></tr></thead>
<tbody>${LIGHTS[lang].map(([seen, means]) => `<tr><td>${escape(seen)}</td><td>${escape(means)}</td></tr>`).join("")}</tbody></table>
<div class="two">
<div><h2>${t(TEXT.dailyTitle)}</h2>
${list(TEXT.daily[lang])}</div>
<div><h2>${t(TEXT.centreTitle)}</h2>
${list(TEXT.centre[lang])}</div>
</div>
<h2>${t(TEXT.withdrawTitle)}</h2>
${list(WITHDRAW_STEPS[lang], "ol")}
<p>${t(TEXT.withdrawNote)}</p>
</body>
</html>
`
}
