/**
 * The lab's PKI, generated at start with the product certificate builder (src/x509/builder.ts): its own
 * roots (the lab trust store), intermediates and one leaf per endpoint, each broken in exactly one way.
 * Nothing is read from or written to disk here.
 */

import {
  type BuiltCertificate,
  buildCertificate,
  type CertificateSpec,
  generateKeyPairAsync,
  type KeyAlgorithm,
  type KeyPair,
} from "../x509/builder.js";

export const LAB_DOMAIN = "lab.chainproof.test";
const DAY = 86_400_000;

export interface LabCert {
  built: BuiltCertificate;
  key: KeyPair;
  /** Path on the lab's HTTP server where this certificate is served (CAs only). */
  path?: string;
}

/** The names under which the lab's CA certificates are served by its HTTP server (DER). */
export interface LabPki {
  now: Date;
  rsaRoot: LabCert;
  rsaIca: LabCert;
  ecRoot: LabCert;
  ecIca: LabCert;
  /** EC root → chainA → chainB: two intermediates, for the reversed order. */
  chainA: LabCert;
  chainB: LabCert;
  expiredIca: LabCert;
  ncIca: LabCert;
  pathLenIca: LabCert;
  pathLenSub: LabCert;
  untrustedRoot: LabCert;
  untrustedIca: LabCert;
  /** The untrusted root cross-signed by the lab's ECC root: same name and key, a trusted issuer. */
  untrustedRootCross: LabCert;
  distrustedRoot: LabCert;
  distrustedIca: LabCert;
  /** The CA of the lab's client certificates (mutual TLS); not a root of the lab trust store. */
  clientCa: LabCert;
  /**
   * A self-signed client certificate, "lab-client-self-signed" (clientAuth), made at lab start: installed on
   * the mtls-self-signed endpoint only, as `chainproof keys install-on-target` would have it.
   */
  clientSelfSigned: LabCert;
  /** Every CA certificate the HTTP server serves, by path. */
  served: Map<string, LabCert>;
  /** The roots of the lab trust store (the untrusted root is not among them). */
  trustedRoots: LabCert[];
  /** Leaf keys, by kind (leaves share keys: key generation is the slow part). */
  keys: { rsa: KeyPair; ec: KeyPair; rsa1024: KeyPair };
}

async function keys<T extends Record<string, KeyAlgorithm>>(spec: T): Promise<Record<keyof T, KeyPair>> {
  const entries = await Promise.all(
    Object.entries(spec).map(async ([k, alg]) => [k, await generateKeyPairAsync(alg)] as const),
  );
  return Object.fromEntries(entries) as Record<keyof T, KeyPair>;
}

/** Build the lab's CAs. `aiaBase` is the lab HTTP server's URL ("http://127.0.0.1:PORT"). */
export async function buildLabPki(aiaBase: string, now = new Date()): Promise<LabPki> {
  const k = await keys({
    rsaRoot: "rsa2048",
    rsaIca: "rsa2048",
    rsaLeaf: "rsa2048",
    rsa1024: "rsa1024",
    ecRoot: "ec-p384",
    ec: "ec-p256",
    ecIca: "ec-p256",
    chainA: "ec-p256",
    chainB: "ec-p256",
    expired: "ec-p256",
    nc: "ec-p256",
    pathLen: "ec-p256",
    pathLenSub: "ec-p256",
    untrusted: "ec-p256",
    untrustedIca: "ec-p256",
    distrusted: "ec-p256",
    distrustedIca: "ec-p256",
    clientCa: "ec-p256",
    clientSelf: "ec-p256",
  });
  const served = new Map<string, LabCert>();
  const longAgo = new Date(now.getTime() - 365 * DAY);
  const later = new Date(now.getTime() + 5 * 365 * DAY);

  const root = (name: string, key: KeyPair, path: string): LabCert => {
    const built = buildCertificate({
      subject: `CN=${name},O=chainproof lab`,
      publicKey: key,
      notBefore: longAgo,
      notAfter: new Date(now.getTime() + 10 * 365 * DAY),
      ca: true,
    });
    const c = { built, key, path };
    served.set(path, c);
    return c;
  };
  const ica = (
    name: string,
    issuer: LabCert,
    key: KeyPair,
    path: string,
    more: Partial<CertificateSpec> = {},
  ): LabCert => {
    const built = buildCertificate({
      subject: `CN=${name},O=chainproof lab`,
      issuer: { cert: issuer.built.cert, key: issuer.key.privateKey },
      publicKey: key,
      notBefore: longAgo,
      notAfter: later,
      ca: true,
      aia: { caIssuers: `${aiaBase}/${issuer.path}` },
      ...more,
    });
    const c = { built, key, path };
    served.set(path, c);
    return c;
  };

  const rsaRoot = root("chainproof Lab Root R1", k.rsaRoot, "root-r1.der");
  const rsaIca = ica("chainproof Lab RSA Issuing CA", rsaRoot, k.rsaIca, "rsa-ica.der");
  const ecRoot = root("chainproof Lab Root E1", k.ecRoot, "root-e1.der");
  const ecIca = ica("chainproof Lab ECC Issuing CA", ecRoot, k.ecIca, "ecc-ica.der");
  const chainA = ica("chainproof Lab Policy CA", ecRoot, k.chainA, "policy-ca.der");
  const chainB = ica("chainproof Lab Server CA", chainA, k.chainB, "server-ca.der");
  const expiredIca = ica("chainproof Lab Retired CA", ecRoot, k.expired, "retired-ca.der", {
    notBefore: new Date(now.getTime() - 3 * 365 * DAY),
    notAfter: new Date(now.getTime() - 30 * DAY),
  });
  const ncIca = ica("chainproof Lab Constrained CA", ecRoot, k.nc, "constrained-ca.der", {
    nameConstraints: { permitted: [{ dns: `allowed.${LAB_DOMAIN}` }] },
  });
  const pathLenIca = ica("chainproof Lab PathLen 0 CA", ecRoot, k.pathLen, "pathlen0-ca.der", {
    ca: { pathLen: 0 },
  });
  const pathLenSub = ica("chainproof Lab Sub CA", pathLenIca, k.pathLenSub, "sub-ca.der");
  const untrustedRoot = root("chainproof Lab Untrusted Root", k.untrusted, "untrusted-root.der");
  const untrustedIca = ica(
    "chainproof Lab Untrusted Issuing CA",
    untrustedRoot,
    k.untrustedIca,
    "untrusted-ica.der",
  );
  const untrustedRootCross = ica(
    "chainproof Lab Untrusted Root",
    ecRoot,
    k.untrusted,
    "untrusted-root-cross.der",
  );
  const distrustedRoot = root("chainproof Lab Distrusted Root", k.distrusted, "distrusted-root.der");
  const distrustedIca = ica(
    "chainproof Lab Distrusted Issuing CA",
    distrustedRoot,
    k.distrustedIca,
    "distrusted-ica.der",
  );
  const clientCa: LabCert = {
    built: buildCertificate({
      subject: "CN=chainproof Lab Client CA,O=chainproof lab",
      publicKey: k.clientCa,
      notBefore: longAgo,
      notAfter: later,
      ca: true,
    }),
    key: k.clientCa,
  };
  const clientSelfSigned: LabCert = {
    built: buildCertificate({
      subject: "CN=lab-client-self-signed,O=chainproof lab",
      publicKey: k.clientSelf,
      notBefore: new Date(now.getTime() - DAY),
      notAfter: new Date(now.getTime() + 365 * DAY),
      keyUsage: ["digitalSignature"],
      eku: ["clientAuth"],
    }),
    key: k.clientSelf,
  };
  return {
    now,
    rsaRoot,
    rsaIca,
    ecRoot,
    ecIca,
    chainA,
    chainB,
    expiredIca,
    ncIca,
    pathLenIca,
    pathLenSub,
    untrustedRoot,
    untrustedIca,
    untrustedRootCross,
    distrustedRoot,
    distrustedIca,
    clientCa,
    clientSelfSigned,
    served,
    trustedRoots: [rsaRoot, ecRoot, distrustedRoot],
    keys: { rsa: k.rsaLeaf, ec: k.ec, rsa1024: k.rsa1024 },
  };
}

export interface LeafOptions {
  /** The DNS name in the SAN (absent: `name`.lab.chainproof.test); null for no SAN at all. */
  dns?: string | null;
  key?: KeyPair;
  notBefore?: Date;
  notAfter?: Date;
  more?: Partial<CertificateSpec>;
}

/** A server certificate for `<name>.lab.chainproof.test`, issued by `issuer` (absent: self-signed). */
export function labLeaf(
  pki: LabPki,
  name: string,
  issuer: LabCert | undefined,
  aiaBase: string,
  o: LeafOptions = {},
): { cert: BuiltCertificate; key: KeyPair } {
  const host = `${name}.${LAB_DOMAIN}`;
  const key = o.key ?? pki.keys.ec;
  const dns = o.dns === null ? undefined : (o.dns ?? host);
  const built = buildCertificate({
    subject: `CN=${o.dns === null ? host : (dns ?? host)}`,
    ...(issuer
      ? { issuer: { cert: issuer.built.cert, key: issuer.key.privateKey } }
      : { privateKey: key.privateKey }),
    publicKey: key,
    notBefore: o.notBefore ?? new Date(pki.now.getTime() - 2 * DAY),
    notAfter: o.notAfter ?? new Date(pki.now.getTime() + 90 * DAY),
    ca: false,
    keyUsage: ["digitalSignature", "keyEncipherment"],
    eku: ["serverAuth"],
    ...(dns ? { san: [{ dns }] } : {}),
    ...(issuer?.path ? { aia: { caIssuers: `${aiaBase}/${issuer.path}` } } : {}),
    ...o.more,
  });
  return { cert: built, key };
}
