// Native fast path of the exposure check: for each diagnosis key, RPIK = HKDF-SHA256(TEK, "EN-RPIK"),
// the key's RPIs = AES-128-ECB(RPIK, "EN-RPI" ‖ 0^6 ‖ ENIN) for each interval, and a look-up of each
// RPI among the RPIs the token observed. It only finds candidate sightings (key, interval, record);
// the rules that accept or reject a sighting (replay window, TX power) stay in kiosk/matching/match.ts.
//
// Why this is fast: HKDF starts from the salt's precomputed HMAC states (six SHA-256 compressions per
// key, with the SHA extensions when the CPU has them), AES uses AES-NI eight blocks at a time, and a
// look-up reads one bit of a 512 KB filter (almost always 0) before any exact 16-byte compare.
// Written from FIPS 180-4 (SHA-256), RFC 2104/5869 (HMAC/HKDF), FIPS 197 + Intel's AES-NI
// instruction set, and the GAEN Cryptography Specification v1.2.
#include <napi.h>

#include <cstdint>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#define RPI_SCAN_X86 1
#endif

namespace {

constexpr int kRpiBytes = 16;
constexpr int kPackedKeyBytes = 24;  // TEK (16) ‖ rolling start (u32 LE) ‖ rolling period (u32 LE, 0 = skip)

// ---------------------------------------------------------------- SHA-256 / HMAC / HKDF

constexpr uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
constexpr uint32_t kSha256Iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

inline uint32_t LoadBe32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

// One SHA-256 compression of a 16-word (big-endian words) block into `state`.
void Sha256Compress(uint32_t state[8], const uint32_t block[16]) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++) w[i] = block[i];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + kSha256K[i] + w[i];
        uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

#if defined(__x86_64__)
// The same compression with the SHA extensions (SHA-NI): state held as ABEF/CDGH, four rounds per
// step, the message schedule by sha256msg1/msg2. Used when the CPU has them (see Sha256Block).
__attribute__((target("sha,sse4.1"))) void Sha256CompressShaNi(uint32_t state[8], const uint32_t block[16]) {
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(state)), 0xB1);  // B A D C
    __m128i st1 = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4)), 0x1B);  // H G F E
    __m128i st0 = _mm_alignr_epi8(tmp, st1, 8);  // ABEF
    st1 = _mm_blend_epi16(st1, tmp, 0xF0);       // CDGH
    const __m128i save0 = st0, save1 = st1;
    __m128i m[4];
    for (int i = 0; i < 4; i++) m[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 4 * i));
    for (int g = 0; g < 16; g++) {
        if (g >= 4) {  // words 4g..4g+3 from the four groups before them
            __m128i x = _mm_sha256msg1_epu32(m[g % 4], m[(g + 1) % 4]);
            x = _mm_add_epi32(x, _mm_alignr_epi8(m[(g + 3) % 4], m[(g + 2) % 4], 4));
            m[g % 4] = _mm_sha256msg2_epu32(x, m[(g + 3) % 4]);
        }
        __m128i k = _mm_add_epi32(m[g % 4], _mm_loadu_si128(reinterpret_cast<const __m128i*>(kSha256K + 4 * g)));
        st1 = _mm_sha256rnds2_epu32(st1, st0, k);
        st0 = _mm_sha256rnds2_epu32(st0, st1, _mm_shuffle_epi32(k, 0x0E));
    }
    st0 = _mm_add_epi32(st0, save0);
    st1 = _mm_add_epi32(st1, save1);
    tmp = _mm_shuffle_epi32(st0, 0x1B);     // A B E F
    st1 = _mm_shuffle_epi32(st1, 0xB1);     // G H C D
    _mm_storeu_si128(reinterpret_cast<__m128i*>(state), _mm_blend_epi16(tmp, st1, 0xF0));     // A B C D
    _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), _mm_alignr_epi8(st1, tmp, 8));    // E F G H
}
bool HasShaNi() { return __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1"); }
#else
void Sha256CompressShaNi(uint32_t state[8], const uint32_t block[16]) { Sha256Compress(state, block); }
bool HasShaNi() { return false; }
#endif

// Which compression runs: SHA-NI when present; tests switch it off to check the portable one too.
bool gUseShaNi = HasShaNi();
inline void Sha256Block(uint32_t state[8], const uint32_t block[16]) {
    if (gUseShaNi) Sha256CompressShaNi(state, block);
    else Sha256Compress(state, block);
}

// The SHA-256 state after one block of `pad` bytes (an HMAC key XOR ipad/opad, the key being zero).
void StateAfterPadBlock(uint32_t out[8], const uint32_t key[8], uint32_t pad) {
    uint32_t block[16];
    for (int i = 0; i < 16; i++) block[i] = (i < 8 ? key[i] : 0) ^ pad;
    std::memcpy(out, kSha256Iv, sizeof kSha256Iv);
    Sha256Block(out, block);
}

// HMAC-SHA256 with the key's inner/outer states already computed, on a short message given as
// `msgWords` whole big-endian words (at most 13, so one block). Result: 8 words.
void HmacFromStates(uint32_t out[8], const uint32_t inner[8], const uint32_t outer[8],
                    const uint32_t* msgWords, int words) {
    uint32_t block[16] = {0};
    for (int i = 0; i < words; i++) block[i] = msgWords[i];
    block[words] = 0x80000000u;
    block[15] = uint32_t(64 + 4 * words) * 8;
    uint32_t innerHash[8];
    std::memcpy(innerHash, inner, 32);
    Sha256Block(innerHash, block);
    uint32_t block2[16] = {0};
    for (int i = 0; i < 8; i++) block2[i] = innerHash[i];
    block2[8] = 0x80000000u;
    block2[15] = (64 + 32) * 8;
    std::memcpy(out, outer, 32);
    Sha256Block(out, block2);
}

struct HkdfConstants {
    uint32_t extractInner[8], extractOuter[8];  // HMAC states of the salt (32 zero bytes, RFC 5869 2.2)
    uint32_t rpikInfo[2];                       // "EN-RPIK" ‖ 0x01, the single HKDF-Expand block
    HkdfConstants() {
        const uint32_t zero[8] = {0};
        StateAfterPadBlock(extractInner, zero, 0x36363636u);
        StateAfterPadBlock(extractOuter, zero, 0x5c5c5c5cu);
        const uint8_t info[8] = {'E', 'N', '-', 'R', 'P', 'I', 'K', 0x01};
        rpikInfo[0] = LoadBe32(info);
        rpikInfo[1] = LoadBe32(info + 4);
    }
};
const HkdfConstants kHkdf;

// RPIK = HKDF-SHA256(IKM = TEK, salt = none, info = "EN-RPIK", L = 16).
void DeriveRpik(const uint8_t tek[16], uint8_t rpik[16]) {
    uint32_t tekWords[4];
    for (int i = 0; i < 4; i++) tekWords[i] = LoadBe32(tek + 4 * i);
    uint32_t prk[8];
    HmacFromStates(prk, kHkdf.extractInner, kHkdf.extractOuter, tekWords, 4);
    uint32_t inner[8], outer[8], t1[8];
    StateAfterPadBlock(inner, prk, 0x36363636u);
    StateAfterPadBlock(outer, prk, 0x5c5c5c5cu);
    HmacFromStates(t1, inner, outer, kHkdf.rpikInfo, 2);
    for (int i = 0; i < 4; i++) {
        rpik[4 * i] = uint8_t(t1[i] >> 24);
        rpik[4 * i + 1] = uint8_t(t1[i] >> 16);
        rpik[4 * i + 2] = uint8_t(t1[i] >> 8);
        rpik[4 * i + 3] = uint8_t(t1[i]);
    }
}

// ---------------------------------------------------------------- AES-128 with AES-NI

#ifdef RPI_SCAN_X86
#define AESNI __attribute__((target("aes,sse4.1")))

AESNI inline __m128i ExpandStep(__m128i key, __m128i assist) {
    assist = _mm_shuffle_epi32(assist, 0xff);
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

AESNI void ExpandKey(const uint8_t key[16], __m128i rk[11]) {
    rk[0] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key));
#define RPI_SCAN_ROUND(i, rcon) rk[i] = ExpandStep(rk[i - 1], _mm_aeskeygenassist_si128(rk[i - 1], rcon))
    RPI_SCAN_ROUND(1, 0x01); RPI_SCAN_ROUND(2, 0x02); RPI_SCAN_ROUND(3, 0x04); RPI_SCAN_ROUND(4, 0x08);
    RPI_SCAN_ROUND(5, 0x10); RPI_SCAN_ROUND(6, 0x20); RPI_SCAN_ROUND(7, 0x40); RPI_SCAN_ROUND(8, 0x80);
    RPI_SCAN_ROUND(9, 0x1b); RPI_SCAN_ROUND(10, 0x36);
#undef RPI_SCAN_ROUND
}

// The RPIs of intervals start .. start + period - 1 into out (16 bytes each). Eight independent
// blocks per step keep the AES unit's pipeline full.
AESNI void DeriveRpis(const uint8_t tek[16], uint32_t start, uint32_t period, uint8_t* out) {
    uint8_t rpik[16];
    DeriveRpik(tek, rpik);
    __m128i rk[11];
    ExpandKey(rpik, rk);
    // "EN-RPI" then six zero bytes, little-endian words; the fourth word is ENIN (little-endian).
    const int w0 = int('E' | ('N' << 8) | ('-' << 16) | ('R' << 24));
    const int w1 = int('P' | ('I' << 8));
    uint32_t j = 0;
    for (; j + 8 <= period; j += 8) {
        __m128i b[8];
        for (int k = 0; k < 8; k++) b[k] = _mm_xor_si128(_mm_set_epi32(int(start + j + k), 0, w1, w0), rk[0]);
        for (int r = 1; r < 10; r++)
            for (int k = 0; k < 8; k++) b[k] = _mm_aesenc_si128(b[k], rk[r]);
        for (int k = 0; k < 8; k++)
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (j + k) * kRpiBytes), _mm_aesenclast_si128(b[k], rk[10]));
    }
    for (; j < period; j++) {
        __m128i b = _mm_xor_si128(_mm_set_epi32(int(start + j), 0, w1, w0), rk[0]);
        for (int r = 1; r < 10; r++) b = _mm_aesenc_si128(b, rk[r]);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j * kRpiBytes), _mm_aesenclast_si128(b, rk[10]));
    }
}

bool CpuSupported() { return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1"); }
#else
void DeriveRpis(const uint8_t*, uint32_t, uint32_t, uint8_t*) {}
bool CpuSupported() { return false; }
#endif

// ---------------------------------------------------------------- the observed RPIs

// RPIs are AES output, so their bits are uniform: the low 22 bits of the first four bytes pick a
// filter bit, the first two bytes a bucket of records in record order (as kiosk/matching/rpi-index.ts).
// An entry is a whole RPI, or (for a check's candidates, kiosk/matching/candidates.ts) the first
// `width` bytes of one with the interval range [lo, hi] in which a derived RPI may match it.
class ObservedIndex {
  public:
    ObservedIndex(const uint8_t* rpis, size_t n, size_t width, const uint32_t* windows)
        : width_(width),
          filter_(kFilterBits / 64, 0),
          bucketStart_(kBuckets + 1, 0),
          rpis_(n * width),
          recordOf_(n),
          windows_(windows ? windows : kAnyInterval, windows ? windows + 2 * n : kAnyInterval + 2),
          hasWindows_(windows != nullptr) {
        for (size_t i = 0; i < n; i++) bucketStart_[Bucket(rpis + i * width) + 1]++;
        for (size_t b = 0; b < kBuckets; b++) bucketStart_[b + 1] += bucketStart_[b];
        std::vector<uint32_t> fill(bucketStart_.begin(), bucketStart_.end() - 1);
        for (size_t i = 0; i < n; i++) {
            const uint8_t* rpi = rpis + i * width;
            uint32_t slot = fill[Bucket(rpi)]++;
            std::memcpy(&rpis_[size_t(slot) * width], rpi, width);
            recordOf_[slot] = uint32_t(i);
            uint32_t bit = FilterBit(rpi);
            filter_[bit >> 6] |= uint64_t(1) << (bit & 63);
        }
    }

    // Appends (key, interval offset, record) for every record whose RPI (or prefix) equals the
    // start of `rpi` and whose window holds `interval`.
    inline void Find(const uint8_t* rpi, uint32_t key, uint32_t offset, uint32_t interval, std::vector<uint32_t>& hits) const {
        uint32_t bit = FilterBit(rpi);
        if (!((filter_[bit >> 6] >> (bit & 63)) & 1)) return;
        uint32_t b = Bucket(rpi);
        for (uint32_t slot = bucketStart_[b]; slot < bucketStart_[b + 1]; slot++) {
            if (std::memcmp(&rpis_[size_t(slot) * width_], rpi, width_) != 0) continue;
            uint32_t record = recordOf_[slot];
            if (hasWindows_ && (interval < windows_[2 * record] || interval > windows_[2 * record + 1])) continue;
            hits.push_back(key);
            hits.push_back(offset);
            hits.push_back(record);
        }
    }

    // The fewest bytes an entry may compare: the filter bit comes from the first four.
    static constexpr size_t kMinWidth = 4;

  private:
    static constexpr uint32_t kFilterBits = 1u << 22;
    static constexpr size_t kBuckets = 65536;
    static constexpr uint32_t kAnyInterval[2] = {0, 0xffffffffu};
    static inline uint32_t Bucket(const uint8_t* rpi) { return (uint32_t(rpi[0]) << 8) | rpi[1]; }
    static inline uint32_t FilterBit(const uint8_t* rpi) {
        uint32_t w;
        std::memcpy(&w, rpi, 4);
        return w & (kFilterBits - 1);
    }
    size_t width_;
    std::vector<uint64_t> filter_;
    std::vector<uint32_t> bucketStart_;
    std::vector<uint8_t> rpis_;
    std::vector<uint32_t> recordOf_;
    std::vector<uint32_t> windows_;
    bool hasWindows_;
};

inline uint32_t LoadLe32(const uint8_t* p) {
    return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

// ---------------------------------------------------------------- JavaScript interface

bool RequireSupported(Napi::Env env) {
    if (CpuSupported()) return true;
    Napi::Error::New(env, "rpi_scan: this CPU has no AES-NI").ThrowAsJavaScriptException();
    return false;
}

Napi::Value Supported(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), CpuSupported()); }

// useShaExtensions(on?) → whether SHA-NI is in use after the call (it stays off without CPU support).
Napi::Value UseShaExtensions(const Napi::CallbackInfo& info) {
    if (info.Length() > 0 && info[0].IsBoolean()) gUseShaNi = info[0].As<Napi::Boolean>().Value() && HasShaNi();
    return Napi::Boolean::New(info.Env(), gUseShaNi);
}

// createIndex(observed: Uint8Array of n entries, compareBytes = 16, windows?: Uint32Array of n × 2)
// → an opaque index. An entry is the first `compareBytes` bytes of an RPI (4 … 16); with `windows`,
// entry e matches only RPIs derived for intervals windows[2e] … windows[2e + 1].
Napi::Value CreateIndex(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        Napi::TypeError::New(env, "createIndex: observed RPIs must be a Uint8Array").ThrowAsJavaScriptException();
        return env.Null();
    }
    auto rpis = info[0].As<Napi::Uint8Array>();
    size_t width = kRpiBytes;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
        if (!info[1].IsNumber()) {
            Napi::TypeError::New(env, "createIndex: compareBytes must be a number").ThrowAsJavaScriptException();
            return env.Null();
        }
        int64_t w = info[1].As<Napi::Number>().Int64Value();
        if (w < int64_t(ObservedIndex::kMinWidth) || w > kRpiBytes) {
            Napi::RangeError::New(env, "createIndex: compareBytes must be 4 ... 16").ThrowAsJavaScriptException();
            return env.Null();
        }
        width = size_t(w);
    }
    if (rpis.ByteLength() % width != 0) {
        Napi::RangeError::New(env, "createIndex: observed RPIs must be a whole number of entries of compareBytes").ThrowAsJavaScriptException();
        return env.Null();
    }
    size_t n = rpis.ByteLength() / width;
    const uint32_t* windows = nullptr;
    if (info.Length() > 2 && !info[2].IsUndefined()) {
        if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
            info[2].As<Napi::Uint32Array>().ElementLength() != 2 * n) {
            Napi::RangeError::New(env, "createIndex: windows must be a Uint32Array of two bounds per entry").ThrowAsJavaScriptException();
            return env.Null();
        }
        windows = info[2].As<Napi::Uint32Array>().Data();
    }
    auto* index = new ObservedIndex(rpis.Data(), n, width, windows);
    return Napi::External<ObservedIndex>::New(env, index, [](Napi::Env, ObservedIndex* p) { delete p; });
}

// scanKeys(index, packedKeys: Uint8Array of 24-byte keys, from, to) → Uint32Array of
// (key number, interval offset, record number) triples, ordered by key, interval, record.
Napi::Value ScanKeys(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!RequireSupported(env)) return env.Null();
    if (info.Length() < 4 || !info[0].IsExternal() || !info[1].IsTypedArray() || !info[2].IsNumber() || !info[3].IsNumber()) {
        Napi::TypeError::New(env, "scanKeys(index, packedKeys, from, to)").ThrowAsJavaScriptException();
        return env.Null();
    }
    const ObservedIndex* index = info[0].As<Napi::External<ObservedIndex>>().Data();
    auto keys = info[1].As<Napi::Uint8Array>();
    size_t count = keys.ByteLength() / kPackedKeyBytes;
    int64_t from = info[2].As<Napi::Number>().Int64Value(), to = info[3].As<Napi::Number>().Int64Value();
    if (from < 0 || to < from || size_t(to) > count) {
        Napi::RangeError::New(env, "scanKeys: key range outside the packed keys").ThrowAsJavaScriptException();
        return env.Null();
    }
    std::vector<uint32_t> hits;
    uint8_t rpis[144 * kRpiBytes];
    for (int64_t k = from; k < to; k++) {
        const uint8_t* key = keys.Data() + size_t(k) * kPackedKeyBytes;
        uint32_t start = LoadLe32(key + 16), period = LoadLe32(key + 20);
        if (period == 0 || period > 144) continue;  // malformed: counted by the caller
        DeriveRpis(key, start, period, rpis);
        for (uint32_t j = 0; j < period; j++) index->Find(rpis + j * kRpiBytes, uint32_t(k), j, start + j, hits);
    }
    auto out = Napi::Uint32Array::New(env, hits.size());
    if (!hits.empty()) std::memcpy(out.Data(), hits.data(), hits.size() * sizeof(uint32_t));
    return out;
}

// deriveRpis(tek, start, period) → Buffer of period × 16 bytes (tests compare it with lib/gaen).
Napi::Value DeriveRpisJs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!RequireSupported(env)) return env.Null();
    if (info.Length() < 3 || !info[0].IsTypedArray() || info[0].As<Napi::Uint8Array>().ByteLength() != 16 ||
        !info[1].IsNumber() || !info[2].IsNumber()) {
        Napi::TypeError::New(env, "deriveRpis(tek: 16 bytes, start, period)").ThrowAsJavaScriptException();
        return env.Null();
    }
    uint32_t start = info[1].As<Napi::Number>().Uint32Value(), period = info[2].As<Napi::Number>().Uint32Value();
    if (period < 1 || period > 144) {
        Napi::RangeError::New(env, "deriveRpis: rolling period must be 1...144").ThrowAsJavaScriptException();
        return env.Null();
    }
    auto out = Napi::Buffer<uint8_t>::New(env, size_t(period) * kRpiBytes);
    DeriveRpis(info[0].As<Napi::Uint8Array>().Data(), start, period, out.Data());
    return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    exports.Set("supported", Napi::Function::New(env, Supported));
    exports.Set("createIndex", Napi::Function::New(env, CreateIndex));
    exports.Set("scanKeys", Napi::Function::New(env, ScanKeys));
    exports.Set("deriveRpis", Napi::Function::New(env, DeriveRpisJs));
    exports.Set("useShaExtensions", Napi::Function::New(env, UseShaExtensions));
    return exports;
}

}  // namespace

NODE_API_MODULE(rpi_scan, Init)
