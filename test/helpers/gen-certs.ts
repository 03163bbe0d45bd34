/**
 * Generate a varied set of certificates with the openssl command line, for differential and CLI tests.
 * Keys: RSA 2048/3072/4096, RSA-PSS, ECDSA P-256/P-384/P-521, Ed25519, Ed448. Subjects in UTF-8, BMPString and
 * T61String; names needing RFC 4514 escapes; every SAN kind; every extension the decoder knows.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { mapLimit, opensslOk, writeIn } from "./openssl.js";

export type KeyKind =
  | "rsa2048"
  | "rsa3072"
  | "rsa4096"
  | "rsapss"
  | "p256"
  | "p384"
  | "p521"
  | "ed25519"
  | "ed448";

const KEYGEN: Record<KeyKind, string[]> = {
  rsa2048: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
  rsa3072: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
  rsa4096: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
  rsapss: ["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"],
  p256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  p384: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
  p521: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
  ed25519: ["-algorithm", "ED25519"],
  ed448: ["-algorithm", "ED448"],
};

export interface CertSpec {
  name: string;
  key: KeyKind;
  /** -subj argument (openssl's "/type=value/..." form). */
  subj: string;
  /** Lines of the [ext] config section; none makes a v1 certificate. */
  ext?: string[];
  /** Extra config sections appended verbatim. */
  sections?: string;
  /** Sign with this earlier spec's key and certificate instead of self-signing. */
  issuer?: string;
  /** req string_mask: "utf8only" (default here), or "default" (lets openssl choose BMPString/T61String). */
  stringMask?: string;
  days?: number;
  serial?: string;
  extraArgs?: string[];
  multivalueRdn?: boolean;
}

export interface GeneratedCert {
  spec: CertSpec;
  der: Uint8Array;
  pemPath: string;
}

/** An SCT list extension value (RFC 6962) with two SCTs, as "DER:hex" for an openssl config. */
export function sctListDer(): string {
  const sig = Buffer.from(
    "3045022001020304050607080910111213141516171819202122232425262728293031320221000102030405060708091011121314151617181920212223242526272829303132",
    "hex",
  );
  const one = (fill: number, ms: bigint) => {
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(ms);
    const sct = Buffer.concat([
      Buffer.from([0]),
      Buffer.alloc(32, fill),
      ts,
      Buffer.from([0, 0, 4, 3, 0, sig.length]),
      sig,
    ]);
    return Buffer.concat([Buffer.from([sct.length >> 8, sct.length & 255]), sct]);
  };
  const list = Buffer.concat([one(0xab, 1700000000123n), one(0x5c, 1600000000000n)]);
  const tls = Buffer.concat([Buffer.from([list.length >> 8, list.length & 255]), list]);
  const len = tls.length < 128 ? tls.length.toString(16).padStart(2, "0") : `81${tls.length.toString(16)}`;
  return `DER:04${len}${tls.toString("hex")}`;
}

const DIR_SECTION = `[dir_sect]
C = GB
O = Dir Org
CN = Dir Name
`;

/** The certificate set: chosen so every extension and SAN kind the decoder knows appears at least once. */
export function standardSpecs(): CertSpec[] {
  return [
    {
      name: "root-rsa3072",
      key: "rsa3072",
      subj: "/C=GB/O=Chainproof Test/OU=Roots/CN=Chainproof Test Root R1",
      ext: [
        "basicConstraints = critical,CA:TRUE",
        "keyUsage = critical,keyCertSign,cRLSign",
        "subjectKeyIdentifier = hash",
      ],
      days: 3650,
      serial: "0x01",
    },
    {
      name: "intermediate-p384",
      key: "p384",
      issuer: "root-rsa3072",
      subj: "/C=GB/O=Chainproof Test/CN=Chainproof Test Intermediate E1",
      ext: [
        "basicConstraints = critical,CA:TRUE,pathlen:0",
        "keyUsage = critical,digitalSignature,keyCertSign,cRLSign",
        "extendedKeyUsage = serverAuth,clientAuth",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid:always",
        "nameConstraints = critical,@nc",
        "certificatePolicies = 2.23.140.1.2.1,2.23.140.1.2.2",
        "policyConstraints = requireExplicitPolicy:0",
        "inhibitAnyPolicy = 1",
        "authorityInfoAccess = caIssuers;URI:http://pki.example/root.crt,OCSP;URI:http://ocsp.pki.example",
        "crlDistributionPoints = URI:http://crl.pki.example/root.crl",
      ],
      sections: `[nc]
permitted;DNS.1 = example.com
permitted;DNS.2 = .example.net
permitted;IP.1 = 192.168.0.0/255.255.0.0
permitted;IP.2 = 2001:db8::/ffff:ffff::
permitted;IP.3 = 10.0.0.0/255.0.255.0
permitted;email.1 = example.com
permitted;email.2 = admin@example.org
permitted;URI.1 = .example.com
permitted;dirName.1 = dir_sect
excluded;DNS.1 = forbidden.example.com
excluded;IP.1 = 0.0.0.0/0.0.0.0
excluded;IP.2 = ::/::
${DIR_SECTION}`,
      serial: "0x1000",
    },
    {
      name: "leaf-rsa2048",
      key: "rsa2048",
      issuer: "intermediate-p384",
      subj: "/C=US/ST=California/L=San Francisco/O=Example, Inc./CN=www.example.com",
      ext: [
        "basicConstraints = CA:FALSE",
        "keyUsage = critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage = serverAuth",
        "subjectAltName = DNS:www.example.com,DNS:example.com,DNS:*.api.example.com,IP:192.168.1.10,IP:2001:db8::10,IP:::1,IP:fe80::1:0:0:1",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid,issuer",
        "authorityInfoAccess = OCSP;URI:http://ocsp.pki.example,caIssuers;URI:http://pki.example/e1.crt",
        "crlDistributionPoints = URI:http://crl.pki.example/e1.crl",
        "certificatePolicies = 2.23.140.1.2.2,@pol_cps",
        "tlsfeature = status_request",
        `1.3.6.1.4.1.11129.2.4.2 = ${sctListDer()}`,
      ],
      sections: `[pol_cps]
policyIdentifier = 1.3.6.1.4.1.55555.1.1
CPS.1 = https://pki.example/cps
`,
      days: 90,
      serial: "0x7fedcba9876543210fedcba987654321",
    },
    {
      name: "leaf-rsa4096-utf8",
      key: "rsa4096",
      subj: "/C=DE/O=Bäckerei Müller GmbH/OU=日本語 部門/CN=müller.example/emailAddress=info@xn--mller-kva.example",
      ext: [
        "basicConstraints = critical,CA:FALSE",
        "keyUsage = digitalSignature",
        "extendedKeyUsage = clientAuth,emailProtection,codeSigning,timeStamping,OCSPSigning,msSGC,nsSGC,1.3.6.1.4.1.99999.1",
        "subjectAltName = email:info@xn--mller-kva.example,URI:https://xn--mller-kva.example/a?b=c&d=e,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user@example.com",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid:always,issuer:always",
      ],
      days: 400,
      serial: "0x00a1b2c3d4e5f60718293a4b5c6d7e8f90",
    },
    {
      name: "leaf-p256-every-extension",
      key: "p256",
      issuer: "root-rsa3072",
      subj: "/C=GB/O=Every Extension Ltd/CN=full.example",
      ext: [
        "basicConstraints = critical,CA:TRUE,pathlen:3",
        "keyUsage = critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyAgreement,keyCertSign,cRLSign,encipherOnly,decipherOnly",
        "extendedKeyUsage = serverAuth,clientAuth,1.2.3.4.5,OCSPSigning",
        "subjectAltName = @san",
        "issuerAltName = DNS:issuer.example,URI:http://issuer.example/",
        "nameConstraints = critical,permitted;DNS:full.example,excluded;email:.bad.example",
        "certificatePolicies = critical,1.2.3.4,@pol1,2.5.29.32.0",
        "policyConstraints = requireExplicitPolicy:1,inhibitPolicyMapping:2",
        "policyMappings = 1.2.3.4:1.2.3.5,2.16.840.1.101.3.2.1.3.1:2.16.840.1.101.3.2.1.3.2",
        "inhibitAnyPolicy = 2",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid:always,issuer:always",
        "authorityInfoAccess = OCSP;URI:http://ocsp.example/,caIssuers;URI:http://ca.example/ca.crt,caIssuers;URI:ldap://ldap.example/cn=ca",
        "subjectInfoAccess = caRepository;URI:http://repo.example/,1.3.6.1.5.5.7.48.3;URI:http://tsa.example/",
        "crlDistributionPoints = crldp1,crldp2",
        "freshestCRL = URI:http://delta.example/delta.crl",
        "tlsfeature = status_request,status_request_v2",
        "1.2.3.99 = critical,DER:0403616263",
        "1.2.3.100 = DER:3006020101020102",
        `1.3.6.1.4.1.11129.2.4.2 = ${sctListDer()}`,
      ],
      sections: `[san]
DNS.1 = full.example
DNS.2 = *.full.example
IP.1 = 192.0.2.1
IP.2 = 2001:db8:0:0:1:0:0:1
email.1 = admin@full.example
URI.1 = https://full.example/path?q=1
dirName.1 = dir_sect
otherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:user@full.example
otherName.2 = 1.2.3.4;INT:12
RID.1 = 1.2.3.4.5.6
${DIR_SECTION}
[pol1]
policyIdentifier = 1.3.6.1.4.1.99.1
CPS.1 = http://cps.example/cps
CPS.2 = http://cps.example/cps2
userNotice.1 = @notice
userNotice.2 = @notice2
userNotice.3 = @notice3
[notice]
explicitText = "Explicit notice text"
organization = "Example Org"
noticeNumbers = 1,2,3
[notice2]
explicitText = "UTF8:Only text, in UTF-8 ✓"
[notice3]
organization = "Solo Org"
noticeNumbers = 7
[crldp1]
fullname = URI:http://crl.example/a.crl,URI:ldap://ldap.example/cn=crl
reasons = keyCompromise,CACompromise,certificateHold,AACompromise
CRLissuer = dirName:dir_sect
[crldp2]
relativename = rel_sect
[rel_sect]
CN = relative
`,
      serial: "-5",
    },
    {
      name: "ed25519-leaf",
      key: "ed25519",
      issuer: "intermediate-p384",
      subj: "/CN=ed25519.example.com/O=Edwards",
      ext: [
        "keyUsage = critical,digitalSignature",
        "subjectAltName = critical,DNS:ed25519.example.com,IP:10.1.2.3,RID:1.2.840.113549.1.1.1",
        "authorityKeyIdentifier = keyid",
        "subjectKeyIdentifier = none",
      ],
      serial: "0",
    },
    {
      name: "ed448-self",
      key: "ed448",
      subj: "/CN=ed448 self-signed",
      ext: ["basicConstraints = critical,CA:TRUE", "keyUsage = keyCertSign"],
      serial: "0xff",
    },
    {
      name: "p521-sha512",
      key: "p521",
      subj: "/DC=com/DC=example/UID=jdoe/CN=John Doe/serialNumber=1234/title=Engineer/GN=John/SN=Doe/initials=JD/pseudonym=jd/generationQualifier=III/dnQualifier=q1/organizationIdentifier=VATGB-123/businessCategory=Private Organization/jurisdictionC=GB/jurisdictionST=London/jurisdictionL=City/postalCode=SW1A 1AA/street=1 Example Street/description=A description",
      ext: ["basicConstraints = critical,CA:FALSE", "subjectAltName = email:jdoe@example.com"],
      extraArgs: ["-sha512"],
      serial: "0x0102030405060708090a0b0c0d0e0f1011121314",
    },
    {
      name: "rsapss-key",
      key: "rsapss",
      subj: "/CN=RSA-PSS key/O=PSS",
      ext: [
        "basicConstraints = critical,CA:TRUE",
        "keyUsage = critical,keyCertSign,cRLSign,digitalSignature",
      ],
      serial: "0x2a",
    },
    {
      name: "rsa-pss-signature",
      key: "rsa2048",
      issuer: "root-rsa3072",
      subj: "/CN=signed with PSS",
      ext: ["subjectAltName = DNS:pss.example"],
      extraArgs: ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sha256"],
      serial: "0x2b",
    },
    {
      name: "escapes",
      key: "p256",
      subj: '/CN=a\\,b;c<d>e"f=g\\\\h/O=\\#hash/OU= lead/OU=trail /L=plus\\+sign/C=XX',
      ext: ["basicConstraints = CA:FALSE"],
      multivalueRdn: false,
      serial: "0x03",
    },
    {
      name: "multivalued-rdn",
      key: "p256",
      subj: "/O=Multi/CN=first+UID=second/OU=one+OU=two",
      multivalueRdn: true,
      ext: ["subjectAltName = DNS:multi.example"],
      serial: "0x04",
    },
    {
      name: "bmp-t61-strings",
      key: "p256",
      subj: "/CN=日本語の名前/O=Société Générale/L=Zürich/OU=ASCII only",
      stringMask: "default",
      ext: ["basicConstraints = CA:FALSE"],
      serial: "0x05",
    },
    {
      name: "empty-subject",
      key: "p256",
      issuer: "intermediate-p384",
      subj: "/",
      ext: [
        "subjectAltName = critical,DNS:no-subject.example,email:nobody@example.com",
        "keyUsage = digitalSignature",
      ],
      serial: "0x06",
    },
    {
      name: "v1-no-extensions",
      key: "rsa2048",
      subj: "/CN=Version One/O=Legacy",
      serial: "0x07",
    },
    {
      name: "generalized-time-2050",
      key: "p256",
      subj: "/CN=Far Future",
      ext: ["basicConstraints = critical,CA:TRUE,pathlen:10"],
      days: 12000,
      serial: "0x08",
    },
    {
      name: "aki-issuer-serial-only",
      key: "p384",
      issuer: "root-rsa3072",
      subj: "/CN=AKI issuer and serial",
      ext: [
        "authorityKeyIdentifier = issuer:always",
        "subjectKeyIdentifier = hash",
        "certificatePolicies = @polx",
        "policyConstraints = inhibitPolicyMapping:0",
        "crlDistributionPoints = crl_only_issuer",
      ],
      sections: `[polx]
policyIdentifier = 2.5.29.32.0
userNotice.1 = @nx
[nx]
explicitText = "VISIBLESTRING:Visible notice"
[crl_only_issuer]
fullname = URI:http://crl.example/x.crl
CRLissuer = URI:http://issuer.example/
${DIR_SECTION}`,
      serial: "0x09",
    },
  ];
}

/**
 * A certificate built field by field with `openssl asn1parse -genconf`, for encodings `openssl req` will not
 * produce: control characters and escape sequences in a UTF8String, UniversalString, NumericString,
 * IA5String and BMPString values, an attribute type OpenSSL has no name for, GeneralizedTime in 2050. Its
 * signature is not valid (nothing here checks it). `point` is an uncompressed P-256 point, hex.
 */
export function craftedGenconf(point: string): string {
  const rdn = (n: number, type: string, value: string) =>
    `[r${n}]\na = SEQUENCE:a${n}\n[a${n}]\nt = OID:${type}\nv = ${value}\n`;
  const rdns: [string, string][] = [
    ["commonName", 'FORMAT:UTF8,UTF8:A\u0001\u001b[31mB\u007fé, "q" + <x>;'],
    ["1.2.3.4", "PRINTABLESTRING:unknown type"],
    ["organizationName", "UNIV:Univ"],
    ["serialNumber", "NUMERIC:12345"],
    ["emailAddress", "IA5:a@b.example"],
    ["localityName", "FORMAT:UTF8,BMP:éL"],
  ];
  return [
    "asn1 = SEQUENCE:cert",
    "[cert]\ntbs = SEQUENCE:tbs\nalg = SEQUENCE:sigalg\nsig = FORMAT:HEX,BITSTRING:3006020101020101",
    "[sigalg]\noid = OID:ecdsa-with-SHA256",
    "[tbs]\nver = EXPLICIT:0,INTEGER:2\nserial = INTEGER:0x1234\nalg = SEQUENCE:sigalg\nissuer = SEQUENCE:name\nvalidity = SEQUENCE:validity\nsubject = SEQUENCE:name\nspki = SEQUENCE:spki",
    "[validity]\nnb = UTCTIME:200101000000Z\nna = GENTIME:20500101000000Z",
    `[spki]\nalg = SEQUENCE:ecalg\nkey = FORMAT:HEX,BITSTRING:${point}`,
    "[ecalg]\na = OID:id-ecPublicKey\nb = OID:prime256v1",
    `[name]\n${rdns.map((_, i) => `r${i + 1} = SET:r${i + 1}`).join("\n")}`,
    ...rdns.map(([t, v], i) => rdn(i + 1, t, v)),
  ].join("\n");
}

/** Generate keys and certificates into `dir`. Keys are shared per kind; independent work runs in parallel. */
export async function generateCertificates(
  dir: string,
  specs = standardSpecs(),
  /** Also make the `craftedGenconf` certificate (last in the result). */
  withCrafted = false,
): Promise<GeneratedCert[]> {
  const kinds = [...new Set(specs.map((s) => s.key))];
  await mapLimit(kinds, 4, (k) => opensslOk(["genpkey", ...KEYGEN[k], "-out", join(dir, `${k}.key`)]));
  const done = new Map<string, GeneratedCert>();
  // Issuers first: a spec waits until the one it names has been made.
  const pending = [...specs];
  while (pending.length) {
    const ready = pending.filter((s) => !s.issuer || done.has(s.issuer));
    if (!ready.length) throw new Error(`unresolvable issuers: ${pending.map((s) => s.name).join(", ")}`);
    await mapLimit(ready, 4, async (s) => {
      done.set(s.name, await generateOne(dir, s, s.issuer ? done.get(s.issuer) : undefined));
    });
    for (const s of ready) pending.splice(pending.indexOf(s), 1);
  }
  const out = specs.map((s) => done.get(s.name)!);
  if (withCrafted) {
    if (!kinds.includes("p256")) await opensslOk(["genpkey", ...KEYGEN.p256, "-out", join(dir, "p256.key")]);
    const spki = (await opensslOk(["pkey", "-in", join(dir, "p256.key"), "-pubout", "-outform", "DER"]))
      .stdoutBytes;
    const conf = writeIn(
      dir,
      "crafted.genconf",
      craftedGenconf(spki.subarray(spki.length - 65).toString("hex")),
    );
    const derPath = join(dir, "crafted.der");
    await opensslOk(["asn1parse", "-genconf", conf, "-noout", "-out", derPath]);
    const pemPath = join(dir, "crafted.pem");
    await opensslOk(["x509", "-inform", "DER", "-in", derPath, "-out", pemPath]);
    out.push({
      spec: { name: "crafted-encodings", key: "p256", subj: "" },
      der: new Uint8Array(readFileSync(derPath)),
      pemPath,
    });
  }
  return out;
}

async function generateOne(dir: string, s: CertSpec, issuer?: GeneratedCert): Promise<GeneratedCert> {
  const cfg = [
    "[req]",
    "distinguished_name = dn",
    "prompt = no",
    `string_mask = ${s.stringMask ?? "utf8only"}`,
    "utf8 = yes",
    "[dn]",
    "[ext]",
    ...(s.ext ?? []),
    s.sections ?? "",
  ].join("\n");
  const cfgPath = writeIn(dir, `${s.name}.cnf`, cfg);
  const pemPath = join(dir, `${s.name}.pem`);
  const args = [
    "req",
    "-x509",
    "-new",
    "-utf8",
    "-key",
    join(dir, `${s.key}.key`),
    "-config",
    cfgPath,
    "-subj",
    s.subj,
    "-days",
    String(s.days ?? 365),
    "-set_serial",
    s.serial ?? "0x01",
    "-out",
    pemPath,
    ...(s.ext ? ["-extensions", "ext"] : []),
    ...(s.multivalueRdn ? ["-multivalue-rdn"] : []),
    ...(issuer ? ["-CA", issuer.pemPath, "-CAkey", join(dir, `${issuer.spec.key}.key`)] : []),
    ...(s.extraArgs ?? []),
  ];
  await opensslOk(args);
  const der = (await opensslOk(["x509", "-in", pemPath, "-outform", "DER"])).stdoutBytes;
  readFileSync(pemPath); // fail here, not later, if openssl wrote nothing
  return { spec: s, der: new Uint8Array(der), pemPath };
}
