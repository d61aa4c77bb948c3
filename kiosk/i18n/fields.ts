// The fields a person fills in at the kiosk, named as the web app's forms name them, and what is
// wrong with a value, in Japanese and English (a FieldError from kiosk/fields.ts).
import type { Field } from "../fields.js"
import type { Lang } from "./locale.js"

type Text = Record<Lang, string>

export const fieldName: Record<Field, Text> = {
    processingNumber: { ja: "処理番号", en: "processing number" },
    symptoms: { ja: "症状の有無", en: "symptoms" },
    onset: { ja: "症状が出始めた日（症状がなければ検査を受けた日）", en: "day the symptoms began (without symptoms, the day of the test)" },
    age: { ja: "年代", en: "age" },
    commute: { ja: "通勤・通学", en: "commuting" },
    startDate: { ja: "使い始めた日", en: "day you started using the token" },
    consentStartDate: { ja: "使い始めた日を送ることへの同意", en: "consent to send the day you started" },
}

/** The person-facing text of an "invalid-field" error; `p` holds its field, problem and values. */
export function invalidFieldText(p: Record<string, string | number>): Text {
    const name = fieldName[p.field as Field] ?? { ja: String(p.field), en: String(p.field) }
    const ja = `「${name.ja}」`
    switch (p.problem) {
        case "missing":
            return { ja: `${ja}を入力してください。`, en: `Please fill in the ${name.en}.` }
        case "processing-number-digits":
            return { ja: `${ja}は8けたの数字です。もう一度お確かめください。`, en: `The ${name.en} has exactly 8 digits. Please check it again.` }
        case "yes-or-no":
            return { ja: `${ja}は「ある」か「ない」を選んでください。`, en: `Please choose yes or no for ${name.en}.` }
        case "date-format":
            return { ja: `${ja}は正しい日付で入力してください（例: 2026-12-07）。`, en: `Please give the ${name.en} as a real date (for example 2026-12-07).` }
        case "future":
            return { ja: `${ja}が今日より後の日付になっています。もう一度お確かめください。`, en: `The ${name.en} is after today. Please check it again.` }
        case "range":
            return { ja: `${ja}は選択肢の中から選んでください。`, en: `Please choose the ${name.en} from the list (${p.min} to ${p.max}).` }
        case "needed-with":
            return { ja: `${ja}も入力してください。`, en: `Please also fill in the ${name.en}.` }
        case "needs-consent":
            return {
                ja: `${ja}は、送ることに同意した場合だけ送ります。同意の欄を選んでください。`,
                en: `The ${name.en} is only sent with your consent. Please tick the consent box.`,
            }
        default:
            return { ja: `${ja}の入力を確かめてください。`, en: `Please check the ${name.en}.` }
    }
}
