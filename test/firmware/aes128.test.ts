// AES-128 against FIPS-197 and NIST SP 800-38A known answers.
import { describe, test, expect } from "@devicescript/test"
import { aesSubByte, ctr128, encryptBlock128, expandKey128 } from "../../src/gaen/aes128"
import { expectErrorMentioning } from "./expect-error"

describe("AES-128 (FIPS-197)", () => {
    test("S-box values from FIPS-197 Figure 7 and section 5.1.1", () => {
        expect(aesSubByte(0x00)).toBe(0x63)
        expect(aesSubByte(0x01)).toBe(0x7c)
        expect(aesSubByte(0x53)).toBe(0xed) // the worked example in section 5.1.1
        expect(aesSubByte(0xff)).toBe(0x16)
    })
    test("key expansion matches Appendix A.1 (first and last words)", () => {
        const w = expandKey128(hex`2b7e151628aed2a6abf7158809cf4f3c`)
        expect(w.length).toBe(176)
        expect(w.slice(16, 20).toString("hex")).toBe("a0fafe17") // w[4]
        expect(w.slice(172, 176).toString("hex")).toBe("b6630ca6") // w[43]
    })
    test("Appendix C.1 AES-128 example vector", () => {
        const key = expandKey128(hex`000102030405060708090a0b0c0d0e0f`)
        const out = encryptBlock128(key, hex`00112233445566778899aabbccddeeff`)
        expect(out.toString("hex")).toBe("69c4e0d86a7b0430d8cdb78070b4c55a")
    })
    test("Appendix B cipher example", () => {
        const key = expandKey128(hex`2b7e151628aed2a6abf7158809cf4f3c`)
        const out = encryptBlock128(key, hex`3243f6a8885a308d313198a2e0370734`)
        expect(out.toString("hex")).toBe("3925841d02dc09fbdc118597196a0b32")
    })
    test("does not modify its inputs", () => {
        const block = hex`00112233445566778899aabbccddeeff`.slice(0)
        encryptBlock128(expandKey128(hex`000102030405060708090a0b0c0d0e0f`), block)
        expect(block.toString("hex")).toBe("00112233445566778899aabbccddeeff")
    })
    test("rejects keys and blocks of the wrong size", () => {
        expectErrorMentioning(() => expandKey128(Buffer.alloc(15)), "AES-128 key must be 16 bytes")
        expectErrorMentioning(() => expandKey128(Buffer.alloc(32)), "AES-128 key must be 16 bytes")
        const key = expandKey128(Buffer.alloc(16))
        expectErrorMentioning(() => encryptBlock128(key, Buffer.alloc(17)), "AES block must be 16 bytes")
        expectErrorMentioning(() => encryptBlock128(Buffer.alloc(16), Buffer.alloc(16)), "key schedule")
    })
})

describe("AES-128-CTR (SP 800-38A)", () => {
    const key = expandKey128(hex`2b7e151628aed2a6abf7158809cf4f3c`)
    test("F.5.1 CTR-AES128.Encrypt, blocks 1 and 2", () => {
        const out = ctr128(key, hex`f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff`, hex`6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51`)
        expect(out.toString("hex")).toBe("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff")
    })
    test("the counter carries across bytes and a partial last block works (OpenSSL reference)", () => {
        const out = ctr128(key, hex`00ffffffffffffffffffffffffffffff`, hex`6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 00`)
        expect(out.toString("hex")).toBe("515a04cae6b6a9e7ee7f652b2958af92d074bdcc4c303a01bb12c280a69a456f44")
    })
    test("refuses more blocks than one VM slice should take", () => {
        expectErrorMentioning(() => ctr128(key, Buffer.alloc(16), Buffer.alloc(65)), "at most 64")
    })
})
