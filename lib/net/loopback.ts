// The one rule for "this machine" (loopback), shared by the kiosk's server URLs (plain http:// only
// to this machine), the kiosk web app's Host check (a page on another name that resolves to
// 127.0.0.1 gets nothing) and the server's start check (list.json URLs may come from the Host
// header only on loopback). A host is loopback when it is the name localhost, an IPv4 address in
// 127.0.0.0/8 (RFC 1122 §3.2.1.3; written as four decimal numbers, each 0-255) or the IPv6
// address ::1 (RFC 4291 §2.5.3; as a URL or a Host header writes it, in brackets, or without).
// A name that only starts with 127 (127.example.org) is not.

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/** True when `host` (a name or address, without port) is this machine. */
export function isLoopbackHost(host: string): boolean {
    const h = host.toLowerCase()
    if (h === "localhost" || h === "::1" || h === "[::1]") return true
    const m = IPV4_LOOPBACK.exec(h)
    return m !== null && m.slice(1).every(octet => Number(octet) <= 255)
}
