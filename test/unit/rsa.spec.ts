import { base64UrlDecode } from "../../assembly/lib/base64";
import {
  RSA_MAX_BITS,
  RsaPublicKey,
  rsaVerifyPkcs1,
  rsaVerifyPkcs1Digest,
  rsaVerifyPss,
  rsaVerifyPssDigest,
} from "../../assembly/crypto/rsa";
import { HashAlg, sha256 } from "../../assembly/crypto/sha2";

function b64(s: string): Uint8Array {
  const r = base64UrlDecode(s);
  return r == null ? new Uint8Array(0) : r;
}

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function flipped(b: Uint8Array, bit: i32): Uint8Array {
  const c = b.slice(0);
  c[bit >> 3] ^= <u8>(<u32>0x80 >> <u32>(bit & 7));
  return c;
}

// RFC 7515 Appendix A.2 (RS256): the JWK of A.2.1 and the signature of A.2.1 over its signing input.
const A2_N =
  "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const A2_E = "AQAB";
const A2_INPUT =
  "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const A2_SIG =
  "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// Fixed vectors made once with node:crypto (OpenSSL): a 2048-bit key (e = 65537), RS/PS signatures
// over MSG (PSS with MGF1 of the same hash and salt length = hash length), a PKCS#1 signature whose
// first byte is zero, a PSS signature with an empty salt (not allowed in JWS), and an e = 3 key.
const N = "ldFLNMD06ZyWo-KjvfnjabYAmWOe2zntS_VJm8hK2PnLWWBC6IMKJCYRgwMRFVg2oCgSJhHeHnSKUPgLbHdXjIjRr4VV4CgAFmKijXPPrUsuFpFhuz86Hq_xmte-KCyeoWrY6lbNz6-NtrSe7HejRiUJZX_Ex7qVpGhSzSJ3F0-uirE5qoN-JSXDnX1hLOjB3FhP-ah1tgY1Zk0BbAySxfuXhNYUaWItua1Wf36hPt4Q0fG5AwSJumkB-XuIaylRsSkNvedoqVKn9HFGIBvIW2iY90sbY1kNOmV_R7MWBbD5FHceJ9uOfKCKPv_frjPWfM9GzpklURVihKiN5FaDeQ";
const E = "AQAB";
const MSG = "eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJwc3MtdmVjdG9yIn0";
const RS256 = "IFVzYuCEwU7J0vmaTSCI9e1LdepME5JgOo8SSCHHyUV9SdRTrh5NMaePkfOLsa14xUBlsD-Cy8myCQVeu2iTgpeBHn8R7cDYvY8b8YS5wVUZGi3q3guSmJ3VN2hzD7gxihB9upihwOgWiP7rQF5KHHGU_mF_MNfW_RF7foNsjSRwDPJfQxM-in9pOeY2Lz1wOA535zdk_JIRtnxWSbv8sKbjaPOBSwvs8Xf0ogocoyebx5V7Yj98en7a8FPcp4Y6vcpkUnn77TdpzW9bLXgc_-SDBRfda6-gzrx50idSMOyBBn88VPBR9bmiQpg4TVlXc1lwziRRclrfGpcb5bIwrA";
const RS384 = "ITvW5tA__QkBAovSAMzH-7TUa9E7TaGFri67OuQAqr3a07rjmeqN9jjZuSjS-1jCNVxnFqrV2ZlKnGmExFYlwcm8iF1cLacRvhsT9pA6xUDusdzHZMCRMastBgXKLdAFEWUrGIukNMWwvqFpUUT5MxW7VP48v9FO3xmwJfGEBJ28kwHIIkVPQsAkAwWXEGs55K_Te3JdBV95197QSvkcZ7WZc5rjxwTQcZTNRNnHiCgpef4vqc6VgS0LR2EEg-GtHunpfnTXM4YLqOfl1uwn9aKvk1vsL-T11bWpyas7RfGf7ySkDRhi6lBR0zveF0iF86AuI_4AcKe-v6d9IAfugg";
const RS512 = "FgqcNq75OZSB4eHVgv3-l9EDZdI4NjaVlhJ5OL2xE234B4LYUrXD5U-7nirVyqSiKvbWCca1pbo_Bj-FsOiogGr5DG8s449GnfjJ3rPTe9IVVQZ1Rz_mJ7UZ6pAghoOufG6K4nhYGKcp3wNv-qb8UW0XcCjDPdYa3z0BPxIsuLQfbiapGfIqM3cnCaf-yqeOce_FD29nsEbCAdMzVDYVqC125Fw-0WLt7auCpZ5n4bzHEALif16BUi6xwquetaZoFqXSMq6bi63Ksbd7T7LlXfH1jjz6k4mR4CQazXjaqstASvkP79MjDhqe6CTV-KGF9l_lWysQHnlTGTbR1husRQ";
const PS256 = "c43VzngFT5Be14doosaEg9ckaVnqxFSSw1_5F-HaRMV3v7Z_gR45AC0gHYi3brC13Zpdv0hetoQ7o7GOozkpHfK9XSdWO-OBeLX4_pJQKokwTFUFO8ACAeFe7OWnGE3_eTgqaj1yz209DCpqPGrkQX-YMyk1x2CZ3hSYZF2RaRZy-BypYCqbxvjUHC3nqgW5KEokRqEjBoHCLs_ZWGWcIDq5O1jyKbwZ3_-Uzu_BdlZzIgEISTyD31OrtZhOahGehYbHGW-5nq0UHFPt2P6hCg5E3XRkCmScNWE11f8vOVbOElbCTywptsvpZQQL9hZYqnP4s7YC6KtRO0kWtxgilw";
const PS384 = "OSbsymH5s78ju5_gv6cgxxvMAS50YQfyZiaPkT5KdpledCitW-xfXKI9GQ5VLIMpvU-tpysWKaEnAW7R7qCUXi8KG70sytgqWTUUrfEFiP2iWuC4oE_G0ZNrb2iAAV_aZ-tize_VtRSgFwaV-zdCX5irml2BMees_gmOTdMfoumLclp34dkcEfTs-A8zarhXbnKOrIDgQgICXMVoJe5v1osTC5ioVRAyfQZ40_Bek3i783ib0q0BtJfMN-Y6b-PUL4FN9JIeX7iEL_rgCsaSOp41NaqwQwJxLvcJ0c4SQ0tL6rtJNtNn3KANcs0ZHGnq_wcLc-61pTaE5bxSILFbwQ";
const PS512 = "GPDBb8HZYaWZWNB6aZXdvJoIouWPMkvgwa5KtgVY6OGUb3gc7jr2KSJ7snhudPU4KyQ15JsJyvRGLO4zBmNVptEtIlOzx_2avdpDjySUJrkpOZNzOqzw1jkLEklvatSelELsbtWBX9S4fXCihQJpFvL8WXkNUMZKL4dPYjsDkSQCJjuuGeBurT8S3cBblwX4oY9wVyPTJtDbUEgJheQ_pN0SyObAtY1C9CurBi51GRSjK1rH6736C6MDDqd1tUpWKWTp6uRunNhVfBKIs9cBcNhXataVJJnWLJ42O85ufmPHK5F1Ual8iGjTqnniQcZ4AODD-JAV3Xx5yzp4OlTHFg";
const LZ_MSG = "leading-zero-38";
const LZ_SIG = "AJd_2lkCNfh_qyW-N9PiGCRQKSLioHGOcApsJPUq3dVOY51JFgi0xjRs58WAhX3v9YPwfXxK-SCUd9oykP50WqbK0_brhvN8-lHFXudAt96hkUJUpNplfeZhhPlq3Rm_h7fug63_djDDXPTtKV_lSRt7ryyE4nsLck3d_a4dJHTrMG-PhynkXzRu9S9LTDxhRiXWuVXLD9JpOoVAoDGmATgAo7AJ5VSWfVEIc7YDX5cdnU7oGKHlrzC2LcKRj6BsX3wwaT-GG4rl11D6svwNv0lsFWOD02K9VTKzhkcPtQDsNXmsrB9MBTDYDzlZ_3m5FKWqfm3ZN_E9DV4aOMyJ7A";
const PS256_SALT0 = "f39wNXdttCLlIgsvEbASZ3nNDECys5RfuXhcT89YkQPL_zAFCUsxd6-GX0Vr_nPym6pwKrobOAW9AHGyldekLyTEVFAH-2zpdJeruSnz9s3izwSy7Ol8VniVc4S_OcFPoqRVNLm823jZ4JtAnKReorDd95iQwEyp7-ldsCl-XThV1i1BeMtzkeFJLICEo_sP4w5ZTcK75tn53tfrJwCLxDSZy83OhGHcchchDUO6UgzmTKwir9syArtKfEWMvPC9NEd8NOZhrUHFO3Asf4XqJwYtFE-K-Uf2AVFibuL3FHnzWad7zFI-x3I3UGs26gWynfeRhjGdjtAmcGYhjczpPg";
const N3 = "wiUy-4nqAiDF6YVrC8lh0hBrd16-EW3e0N-CE3p5wWKp2C-VVZX8YeWcjtxJ8ql3oLR23UmO6DdoQvgfpWkPeHjF0xdjaync-87xs1Ld3avpAYLcWC3V4TqWQ8pBAe9uGuJou39uV0EHjYnO9sl1FEvTjFk3NsL3LLXUMAO29m9PfZ6lMnOR4Y9yf-PplancfeWX4cpUKe4ri3qtNFM7_Ix7jW8kf0O2-qDy95jAVMWmBfHrPK0u3A4TfS9VlHl16HL_rK0wGdJLraSU2XqzwYoDjf3nwKZNB-gihU_dl_AhJIF4X5bcCv294TcG9FXfkMnQzgLyURn78iRqjsdDWQ";
const E3 = "Aw";
const RS256_E3 = "QINfB_VH4SXXDEkRa-qxBgkKrt4vUN5DG9cCMc6xDX-daEwfCcUjrpHj_FeKxkvF-nklqIEShTQMba1TKoXn4akRV0KGpGRfYulj6J05lCC1bE4QRcjEju1P9zDdci9VVVgwEdroYdJcYKWTmeVm6ZH2AxadraI7DxZLi_O-e34bbmpBPvWsh6BfoA6Iz8NqMkCe6W3zDjeB30ZCkZnY1NBnKS8gY0-gbMqeilKAB72DKQzgGIoTDEyLLlbLeXnmBS6KV4mhWCIbaStUabPeaNXtIPi-Sb7ysLFZebjBWObUUt1t9D72rq_As58v0uRRGqRXalD7FG_LB_KtAcjypw";

function key(n: string, e: string): RsaPublicKey {
  const k = RsaPublicKey.fromBytes(b64(n), b64(e));
  return k!;
}

describe("RSA: key import", () => {
  it("imports the RFC 7515 A.2 key", () => {
    const k = RsaPublicKey.fromBytes(b64(A2_N), b64(A2_E));
    expect<bool>(k != null).toBe(true);
    expect<i32>(k!.bits).toBe(2048);
    expect<i32>(k!.byteLength).toBe(256);
    expect<u64>(k!.e).toBe(65537);
  });
  it("ignores leading zero bytes of n and e", () => {
    const n = b64(A2_N);
    const padded = new Uint8Array(n.length + 3);
    padded.set(n, 3);
    const e = new Uint8Array(6);
    e[3] = 1;
    e[5] = 1;
    const k = RsaPublicKey.fromBytes(padded, e);
    expect<bool>(k != null).toBe(true);
    expect<i32>(k!.byteLength).toBe(256);
    expect<bool>(rsaVerifyPkcs1(k!, HashAlg.SHA256, utf8(A2_INPUT), b64(A2_SIG))).toBe(true);
  });
  it("rejects even moduli, short moduli and bad exponents", () => {
    const n = b64(A2_N);
    const even = n.slice(0);
    even[even.length - 1] &= 0xfe;
    expect<bool>(RsaPublicKey.fromBytes(even, b64(A2_E)) == null).toBe(true);
    expect<bool>(RsaPublicKey.fromBytes(n.slice(1), b64(A2_E)) == null).toBe(true); // 2040 bits
    expect<bool>(RsaPublicKey.fromBytes(n.slice(1), b64(A2_E), 1024) != null).toBe(true);
    expect<bool>(RsaPublicKey.fromBytes(n.slice(0, 32), b64(A2_E), 0) == null).toBe(true); // < 512 bits
    expect<bool>(RsaPublicKey.fromBytes(new Uint8Array(0), b64(A2_E)) == null).toBe(true);
    expect<bool>(RsaPublicKey.fromBytes(new Uint8Array(300), b64(A2_E)) == null).toBe(true);
    const e2 = new Uint8Array(1);
    e2[0] = 2;
    expect<bool>(RsaPublicKey.fromBytes(n, e2) == null).toBe(true);
    e2[0] = 1;
    expect<bool>(RsaPublicKey.fromBytes(n, e2) == null).toBe(true);
    expect<bool>(RsaPublicKey.fromBytes(n, new Uint8Array(0)) == null).toBe(true);
    expect<bool>(RsaPublicKey.fromBytes(n, new Uint8Array(4)) == null).toBe(true);
    const e9 = new Uint8Array(9); // 2^64 + 1: longer than 64 bits
    e9[0] = 1;
    e9[8] = 1;
    expect<bool>(RsaPublicKey.fromBytes(n, e9) == null).toBe(true);
    const e8 = new Uint8Array(8); // 2^64 - 1 is accepted
    e8.fill(0xff);
    expect<bool>(RsaPublicKey.fromBytes(n, e8) != null).toBe(true);
  });
  it("rejects moduli above the maximum size", () => {
    const big = new Uint8Array(RSA_MAX_BITS / 8 + 1);
    big.fill(0xff);
    expect<bool>(RsaPublicKey.fromBytes(big, b64(A2_E)) == null).toBe(true);
    expect<bool>(RsaPublicKey.fromBytes(big.slice(1), b64(A2_E)) != null).toBe(true);
  });
});

describe("RSA: RFC 7515 A.2 (RS256)", () => {
  it("verifies the RFC signature", () => {
    const k = key(A2_N, A2_E);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, utf8(A2_INPUT), b64(A2_SIG))).toBe(true);
    expect<bool>(rsaVerifyPkcs1Digest(k, HashAlg.SHA256, sha256(utf8(A2_INPUT)), b64(A2_SIG))).toBe(true);
  });
  it("rejects it under the wrong hash, as PSS, or for another input", () => {
    const k = key(A2_N, A2_E);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA384, utf8(A2_INPUT), b64(A2_SIG))).toBe(false);
    expect<bool>(rsaVerifyPss(k, HashAlg.SHA256, utf8(A2_INPUT), b64(A2_SIG))).toBe(false);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, utf8(A2_INPUT + "."), b64(A2_SIG))).toBe(false);
    expect<bool>(rsaVerifyPkcs1(k, <HashAlg>7, utf8(A2_INPUT), b64(A2_SIG))).toBe(false);
  });
  it("rejects every single-bit change of the signature's first and last bytes", () => {
    const k = key(A2_N, A2_E);
    const sig = b64(A2_SIG);
    const msg = utf8(A2_INPUT);
    for (let bit = 0; bit < 16; bit++) {
      expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, flipped(sig, bit))).toBe(false);
      expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, flipped(sig, sig.length * 8 - 1 - bit))).toBe(false);
    }
  });
  it("rejects wrong lengths and values >= n", () => {
    const k = key(A2_N, A2_E);
    const msg = utf8(A2_INPUT);
    const sig = b64(A2_SIG);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, sig.slice(1))).toBe(false);
    const longer = new Uint8Array(257);
    longer.set(sig, 1);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, longer)).toBe(false);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, new Uint8Array(0))).toBe(false);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, b64(A2_N))).toBe(false); // s = n
    const ff = new Uint8Array(256);
    ff.fill(0xff);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, ff)).toBe(false);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, new Uint8Array(256))).toBe(false); // s = 0
    const one = new Uint8Array(256);
    one[255] = 1;
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, one)).toBe(false); // s = 1
    expect<bool>(rsaVerifyPkcs1Digest(k, HashAlg.SHA256, new Uint8Array(31), sig)).toBe(false);
  });
});

describe("RSA: PKCS#1 v1.5 vectors (node:crypto)", () => {
  it("verifies RS256, RS384 and RS512", () => {
    const k = key(N, E);
    const msg = utf8(MSG);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, b64(RS256))).toBe(true);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA384, msg, b64(RS384))).toBe(true);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA512, msg, b64(RS512))).toBe(true);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, b64(RS384))).toBe(false);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA512, msg, b64(RS384))).toBe(false);
  });
  it("verifies a signature with a leading zero byte given at full length only", () => {
    const k = key(N, E);
    const sig = b64(LZ_SIG);
    expect<u8>(sig[0]).toBe(0);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, utf8(LZ_MSG), sig)).toBe(true);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, utf8(LZ_MSG), sig.slice(1))).toBe(false);
  });
  it("verifies with e = 3", () => {
    const k = key(N3, E3);
    expect<u64>(k.e).toBe(3);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, utf8(MSG), b64(RS256_E3))).toBe(true);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, utf8(MSG + " "), b64(RS256_E3))).toBe(false);
  });
  it("rejects a signature under another key", () => {
    expect<bool>(rsaVerifyPkcs1(key(A2_N, A2_E), HashAlg.SHA256, utf8(MSG), b64(RS256))).toBe(false);
  });
});

describe("RSA: PSS vectors (node:crypto)", () => {
  it("verifies PS256, PS384 and PS512", () => {
    const k = key(N, E);
    const msg = utf8(MSG);
    expect<bool>(rsaVerifyPss(k, HashAlg.SHA256, msg, b64(PS256))).toBe(true);
    expect<bool>(rsaVerifyPss(k, HashAlg.SHA384, msg, b64(PS384))).toBe(true);
    expect<bool>(rsaVerifyPss(k, HashAlg.SHA512, msg, b64(PS512))).toBe(true);
    expect<bool>(rsaVerifyPssDigest(k, HashAlg.SHA256, sha256(msg), b64(PS256))).toBe(true);
  });
  it("rejects wrong hash, wrong scheme, other messages and bit flips", () => {
    const k = key(N, E);
    const msg = utf8(MSG);
    expect<bool>(rsaVerifyPss(k, HashAlg.SHA384, msg, b64(PS256))).toBe(false);
    expect<bool>(rsaVerifyPss(k, HashAlg.SHA256, msg, b64(RS256))).toBe(false);
    expect<bool>(rsaVerifyPkcs1(k, HashAlg.SHA256, msg, b64(PS256))).toBe(false);
    expect<bool>(rsaVerifyPss(k, HashAlg.SHA256, utf8(MSG + "x"), b64(PS256))).toBe(false);
    const sig = b64(PS512);
    for (let bit = 0; bit < sig.length * 8; bit += 61) {
      expect<bool>(rsaVerifyPss(k, HashAlg.SHA512, msg, flipped(sig, bit))).toBe(false);
    }
    expect<bool>(rsaVerifyPssDigest(k, HashAlg.SHA256, new Uint8Array(32), b64(PS256))).toBe(false);
    expect<bool>(rsaVerifyPssDigest(k, HashAlg.SHA256, new Uint8Array(48), b64(PS256))).toBe(false);
  });
  it("rejects a salt length other than the hash length (RFC 7518 §3.5)", () => {
    const k = key(N, E);
    expect<bool>(rsaVerifyPss(k, HashAlg.SHA256, utf8(MSG), b64(PS256_SALT0))).toBe(false);
  });
});
