// The printable page for a token's sticker: a QR code (the kiosk's barcode scanner reads it into
// `--token`) and the same code as text, with a word for the owner in Japanese and English. The page
// holds the token's Bluetooth key: print it, stick it on the token, and delete the file.
import QRCode from "qrcode"

const escape = (s: string) => s.replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!)

export async function stickerPage(code: string): Promise<string> {
    const address = `ble:${code}`
    const qr = await QRCode.toString(address, { type: "svg", errorCorrectionLevel: "M", margin: 2 })
    return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>トークンのシール / Token sticker</title>
<style>
  @page { size: A4; margin: 15mm; }
  body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; }
  .sticker { width: 40mm; border: 0.3mm dashed #888; padding: 2mm; text-align: center; }
  .sticker svg { width: 36mm; height: 36mm; }
  .code { font-family: monospace; font-size: 6pt; word-break: break-all; }
  .note { max-width: 150mm; font-size: 10pt; margin-top: 8mm; }
</style>
</head>
<body>
<div class="sticker">
${qr}
<div class="code">${escape(code)}</div>
</div>
<div class="note">
<p>このシールをトークンの裏に貼ってください。保健所などの端末（キオスク）は、このシールとトークンのボタンで、ケーブルなしで（Bluetooth で）トークンと通信できます。シールは他の人に見せないでください。印刷したら、このファイルは削除してください。</p>
<p>Stick this on the back of the token. With this sticker and the token's button, a health-centre kiosk can talk to the token without a cable (over Bluetooth). Do not show the sticker to others. Once printed, delete this file.</p>
</div>
</body>
</html>
`
}
