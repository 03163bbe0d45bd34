/**
 * The cipher suites chainproof knows by name (IANA TLS Cipher Suites registry), and what each name says
 * about it: key exchange, authentication, bulk cipher, MAC, the lowest version it can be used in, and the
 * weaknesses the findings name. The enumeration offers all of them (weak ones included: a server that still
 * accepts RC4 must be found out); the simulation reads their properties.
 */

export type TlsVersion = "SSLv3" | "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

/** Oldest first. */
export const TLS_VERSIONS: readonly TlsVersion[] = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

export const VERSION_WIRE: Record<TlsVersion, number> = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  "TLSv1.1": 0x0302,
  "TLSv1.2": 0x0303,
  "TLSv1.3": 0x0304,
};

export function versionAtLeast(v: TlsVersion, min: TlsVersion): boolean {
  return VERSION_WIRE[v] >= VERSION_WIRE[min];
}

/** [code point, IANA name]. TLS 1.3 suites first, then TLS ≤ 1.2 roughly strongest first. */
const NAMED: readonly [number, string][] = [
  [0x1301, "TLS_AES_128_GCM_SHA256"],
  [0x1302, "TLS_AES_256_GCM_SHA384"],
  [0x1303, "TLS_CHACHA20_POLY1305_SHA256"],
  [0x1304, "TLS_AES_128_CCM_SHA256"],
  [0x1305, "TLS_AES_128_CCM_8_SHA256"],
  [0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
  [0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"],
  [0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"],
  [0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
  [0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
  [0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"],
  [0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"],
  [0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"],
  [0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"],
  [0x00a2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"],
  [0x00a3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"],
  [0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"],
  [0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"],
  [0xc0ae, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"],
  [0xc0af, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"],
  [0xc09e, "TLS_DHE_RSA_WITH_AES_128_CCM"],
  [0xc09f, "TLS_DHE_RSA_WITH_AES_256_CCM"],
  [0xc0a2, "TLS_DHE_RSA_WITH_AES_128_CCM_8"],
  [0xc0a3, "TLS_DHE_RSA_WITH_AES_256_CCM_8"],
  [0xc05c, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"],
  [0xc05d, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"],
  [0xc060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256"],
  [0xc061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384"],
  [0xc052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256"],
  [0xc053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384"],
  [0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"],
  [0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"],
  [0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"],
  [0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"],
  [0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"],
  [0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"],
  [0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"],
  [0x006a, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"],
  [0xc072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"],
  [0xc073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"],
  [0xc076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"],
  [0xc077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384"],
  [0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"],
  [0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"],
  [0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"],
  [0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"],
  [0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"],
  [0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"],
  [0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"],
  [0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"],
  [0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"],
  [0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"],
  [0x009a, "TLS_DHE_RSA_WITH_SEED_CBC_SHA"],
  [0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"],
  [0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"],
  [0xc09c, "TLS_RSA_WITH_AES_128_CCM"],
  [0xc09d, "TLS_RSA_WITH_AES_256_CCM"],
  [0xc0a0, "TLS_RSA_WITH_AES_128_CCM_8"],
  [0xc0a1, "TLS_RSA_WITH_AES_256_CCM_8"],
  [0xc050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256"],
  [0xc051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384"],
  [0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"],
  [0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"],
  [0x00ba, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256"],
  [0x00c0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256"],
  [0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"],
  [0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"],
  [0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"],
  [0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"],
  [0x0096, "TLS_RSA_WITH_SEED_CBC_SHA"],
  [0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA"],
  [0xc004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"],
  [0xc005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"],
  [0xc00e, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"],
  [0xc00f, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"],
  [0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"],
  [0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"],
  [0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"],
  [0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"],
  [0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"],
  [0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"],
  [0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"],
  [0x0005, "TLS_RSA_WITH_RC4_128_SHA"],
  [0x0004, "TLS_RSA_WITH_RC4_128_MD5"],
  [0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA"],
  [0x0009, "TLS_RSA_WITH_DES_CBC_SHA"],
  [0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"],
  [0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"],
  [0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"],
  [0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"],
  [0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"],
  [0x003a, "TLS_DH_anon_WITH_AES_256_CBC_SHA"],
  [0x00a6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"],
  [0x00a7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"],
  [0x006c, "TLS_DH_anon_WITH_AES_128_CBC_SHA256"],
  [0x006d, "TLS_DH_anon_WITH_AES_256_CBC_SHA256"],
  [0x001b, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"],
  [0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"],
  [0xc018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"],
  [0xc019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"],
  [0xc017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"],
  [0xc016, "TLS_ECDH_anon_WITH_RC4_128_SHA"],
  [0xc015, "TLS_ECDH_anon_WITH_NULL_SHA"],
  [0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"],
  [0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA"],
  [0x003b, "TLS_RSA_WITH_NULL_SHA256"],
  [0x0002, "TLS_RSA_WITH_NULL_SHA"],
  [0x0001, "TLS_RSA_WITH_NULL_MD5"],
];

/** Signalling values: never a suite a server may choose. */
export const SCSV = { emptyRenegotiationInfo: 0x00ff, fallback: 0x5600 } as const;

export interface SuiteInfo {
  id: number;
  name: string;
  /** "ECDHE", "DHE", "RSA", "ECDH", "DH_anon", "ECDH_anon", …; "any" for TLS 1.3 suites. */
  keyExchange: string;
  /** "RSA", "ECDSA", "DSS", "anon"; "any" for TLS 1.3 suites. */
  authentication: string;
  cipher: string;
  mac: string;
  /** The lowest version the suite can be negotiated in; `tls13` suites only in TLS 1.3. */
  minVersion: TlsVersion;
  tls13: boolean;
  forwardSecrecy: boolean;
  aead: boolean;
  /** Why the suite is weak (RC4, 3DES, DES, export, NULL, anonymous, MD5), empty when it is not. */
  weaknesses: string[];
}

const BY_ID = new Map<number, SuiteInfo>(NAMED.map(([id, name]) => [id, describe(id, name)]));

/** Every suite of the catalogue, in catalogue order. */
export const ALL_SUITES: readonly SuiteInfo[] = [...BY_ID.values()];

export function suiteInfo(id: number): SuiteInfo | undefined {
  return BY_ID.get(id);
}

export function suiteName(id: number): string {
  return BY_ID.get(id)?.name ?? `0x${id.toString(16).padStart(4, "0")}`;
}

/** The suites a client offering `version` may offer (TLS 1.3 suites in TLS 1.3 only). */
export function suitesUsableIn(version: TlsVersion): SuiteInfo[] {
  return ALL_SUITES.filter((s) =>
    version === "TLSv1.3" ? s.tls13 : !s.tls13 && versionAtLeast(version, s.minVersion),
  );
}

function describe(id: number, name: string): SuiteInfo {
  const tls13 = !name.includes("_WITH_");
  const [kxAuth, rest] = tls13 ? ["any", name.slice(4)] : name.slice(4).split("_WITH_");
  const parts = rest.split("_");
  const macPart = parts[parts.length - 1];
  const aead = /GCM|CCM|CHACHA20/.test(rest);
  const mac = aead ? "AEAD" : macPart;
  const cipher = aead ? rest.replace(/_SHA(256|384)$/, "") : parts.slice(0, -1).join("_");
  let keyExchange = "any";
  let authentication = "any";
  if (!tls13) {
    const kx = kxAuth.replace("_EXPORT", "");
    if (kx.endsWith("_anon")) [keyExchange, authentication] = [kx, "anon"];
    else if (kx === "RSA") [keyExchange, authentication] = ["RSA", "RSA"];
    else [keyExchange, authentication] = kx.split("_") as [string, string];
  }
  const weaknesses: string[] = [];
  if (kxAuth.includes("EXPORT")) weaknesses.push("export");
  if (cipher === "NULL") weaknesses.push("NULL");
  if (authentication === "anon") weaknesses.push("anonymous");
  if (cipher.startsWith("RC4")) weaknesses.push("RC4");
  if (cipher.startsWith("3DES")) weaknesses.push("3DES");
  if (/^DES(40)?_/.test(cipher)) weaknesses.push("DES");
  if (cipher.startsWith("RC2") || cipher.startsWith("IDEA")) weaknesses.push(cipher.split("_")[0]);
  if (mac === "MD5") weaknesses.push("MD5");
  const needs12 = aead || mac === "SHA256" || mac === "SHA384";
  return {
    id,
    name,
    keyExchange,
    authentication,
    cipher,
    mac,
    minVersion: tls13 ? "TLSv1.3" : needs12 ? "TLSv1.2" : "SSLv3",
    tls13,
    forwardSecrecy: tls13 || keyExchange === "ECDHE" || keyExchange === "DHE",
    aead,
    weaknesses,
  };
}

/** Named groups (IANA TLS Supported Groups): the ones clients offer, and the hybrid post-quantum ones. */
export const GROUP_NAMES: Record<number, string> = {
  23: "secp256r1",
  24: "secp384r1",
  25: "secp521r1",
  29: "x25519",
  30: "x448",
  256: "ffdhe2048",
  257: "ffdhe3072",
  258: "ffdhe4096",
  259: "ffdhe6144",
  260: "ffdhe8192",
  4587: "SecP256r1MLKEM768",
  4588: "X25519MLKEM768",
  25497: "X25519Kyber768Draft00",
};

export function groupLabel(id: number): string {
  return GROUP_NAMES[id] ?? `0x${id.toString(16).padStart(4, "0")}`;
}

/** Signature schemes (RFC 8446 4.2.3) and the TLS 1.2 hash/signature pairs that share their code points. */
export const SIGNATURE_SCHEME_NAMES: Record<number, string> = {
  513: "rsa_pkcs1_sha1",
  514: "dsa_sha1",
  515: "ecdsa_sha1",
  769: "rsa_pkcs1_sha224",
  770: "dsa_sha224",
  771: "ecdsa_sha224",
  1025: "rsa_pkcs1_sha256",
  1026: "dsa_sha256",
  1027: "ecdsa_secp256r1_sha256",
  1281: "rsa_pkcs1_sha384",
  1282: "dsa_sha384",
  1283: "ecdsa_secp384r1_sha384",
  1537: "rsa_pkcs1_sha512",
  1538: "dsa_sha512",
  1539: "ecdsa_secp521r1_sha512",
  2052: "rsa_pss_rsae_sha256",
  2053: "rsa_pss_rsae_sha384",
  2054: "rsa_pss_rsae_sha512",
  2055: "ed25519",
  2056: "ed448",
  2057: "rsa_pss_pss_sha256",
  2058: "rsa_pss_pss_sha384",
  2059: "rsa_pss_pss_sha512",
};

export function signatureSchemeLabel(id: number): string {
  return SIGNATURE_SCHEME_NAMES[id] ?? `0x${id.toString(16).padStart(4, "0")}`;
}
