/**
 * The lab's revocation services on loopback: an OCSP responder (RFC 6960, POST and GET) and a CRL server
 * for the lab's CAs, answering from one list of revoked serials. Also the builders of the responses and
 * CRLs, which the tests use to make good, revoked, stale and forged answers.
 *
 * A responder can be switched "down" (every request answered 503, as an overloaded CA does) or its port
 * closed, for the OCSP-down cases.
 */

import type { KeyObject } from "node:crypto";
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { defaultSignatureAlgorithm, keyIdentifier, SIGNATURE_ALGORITHMS, signWith } from "../x509/builder.js";
import type { Certificate } from "../x509/certificate.js";
import { type CertId, certIdFor, OCSP_OID, parseOcspRequest, subjectPublicKeyBits } from "../x509/ocsp.js";
import { bitString, ctx, int, octet, oid, seq, time, tlv } from "../x509/write/der-writer.js";

const DAY = 86_400_000;

export interface Signer {
  cert: Certificate;
  key: KeyObject;
}

export interface RevokedSerial {
  /** Serial content octets, hex (as Certificate.serialNumber gives them). */
  serial: string;
  date: Date;
  /** CRLReason code (1 keyCompromise, 4 superseded, …). */
  reason?: number;
}

export interface OcspAnswer {
  status: "good" | "revoked" | "unknown";
  revokedAt?: Date;
  reason?: number;
  thisUpdate: Date;
  /** null: no nextUpdate. */
  nextUpdate: Date | null;
  /** A TLS-encoded SignedCertificateTimestampList (with its two length octets) for extension .5. */
  sctList?: Uint8Array;
}

export interface OcspResponseSpec {
  /** The CertID answered for (certIdFor(cert, issuer)). */
  certId: CertId;
  answer: OcspAnswer;
  /** Who signs: the issuer, or a delegated responder (then its certificate is included). */
  signer: Signer;
  /** Include the signer's certificate (default: when it is not the issuer). */
  includeSigner?: boolean;
  /** The issuer, to tell whether the signer is it. */
  issuer: Certificate;
  producedAt?: Date;
  /** Sign with this key instead (a signature that does not verify). */
  signWith?: KeyObject;
}

const minimal = (hex: string) => Uint8Array.from(Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex"));

function generalized(d: Date): Uint8Array {
  return time(d, true);
}

function encodeCertId(id: CertId): Uint8Array {
  return seq(
    seq(oid(id.hashAlgorithm), Uint8Array.of(0x05, 0x00)),
    octet(Buffer.from(id.issuerNameHash, "hex")),
    octet(Buffer.from(id.issuerKeyHash, "hex")),
    int(minimal(id.serial)),
  );
}

/** A signed, successful BasicOCSPResponse for one certificate. */
export function buildOcspResponse(spec: OcspResponseSpec): Uint8Array {
  const a = spec.answer;
  const status =
    a.status === "good"
      ? Uint8Array.of(0x80, 0x00)
      : a.status === "unknown"
        ? Uint8Array.of(0x82, 0x00)
        : ctx(
            1,
            true,
            generalized(a.revokedAt ?? a.thisUpdate),
            ...(a.reason !== undefined ? [ctx(0, true, tlv(0x0a, Uint8Array.of(a.reason)))] : []),
          );
  const single = seq(
    encodeCertId(spec.certId),
    status,
    generalized(a.thisUpdate),
    ...(a.nextUpdate ? [ctx(0, true, generalized(a.nextUpdate))] : []),
    ...(a.sctList ? [ctx(1, true, seq(seq(oid(OCSP_OID.sctList), octet(octet(a.sctList)))))] : []),
  );
  const byKey = ctx(
    2,
    true,
    octet(createHash("sha1").update(subjectPublicKeyBits(spec.signer.cert)).digest()),
  );
  const tbs = seq(byKey, generalized(spec.producedAt ?? a.thisUpdate), seq(single));
  const key = spec.signWith ?? spec.signer.key;
  const alg = defaultSignatureAlgorithm(spec.signer.key);
  const include = spec.includeSigner ?? spec.signer.cert !== spec.issuer;
  const basic = seq(
    tbs,
    SIGNATURE_ALGORITHMS[alg].algId,
    bitString(signWith(alg, tbs, key)),
    ...(include ? [ctx(0, true, seq(spec.signer.cert.der))] : []),
  );
  return seq(tlv(0x0a, Uint8Array.of(0)), ctx(0, true, seq(oid(OCSP_OID.basic), octet(basic))));
}

/** An OCSPResponse with an error status and no body (tryLater = 3, internalError = 2, unauthorized = 6). */
export function ocspErrorResponse(status: number): Uint8Array {
  return seq(tlv(0x0a, Uint8Array.of(status)));
}

/** A v2 CRL from `signer` (the issuing CA) listing `revoked`, with the CRLNumber and AKI RFC 5280 requires. */
export function buildCrl(
  signer: Signer,
  revoked: readonly RevokedSerial[],
  o: { thisUpdate: Date; nextUpdate: Date; crlNumber?: number },
): Uint8Array {
  const alg = defaultSignatureAlgorithm(signer.key);
  const entries = revoked.map((r) =>
    seq(
      int(minimal(r.serial)),
      time(r.date),
      ...(r.reason !== undefined
        ? [seq(seq(oid("2.5.29.21"), octet(tlv(0x0a, Uint8Array.of(r.reason)))))]
        : []),
    ),
  );
  const tbs = seq(
    int(1),
    SIGNATURE_ALGORITHMS[alg].algId,
    signer.cert.subject.der,
    time(o.thisUpdate),
    time(o.nextUpdate),
    ...(entries.length ? [seq(...entries)] : []),
    ctx(
      0,
      true,
      seq(
        seq(oid("2.5.29.35"), octet(seq(tlv(0x80, keyIdentifier(signer.cert.publicKey.spki))))),
        seq(oid("2.5.29.20"), octet(int(o.crlNumber ?? Math.floor(o.thisUpdate.getTime() / 1000)))),
      ),
    ),
  );
  return seq(tbs, SIGNATURE_ALGORITHMS[alg].algId, bitString(signWith(alg, tbs, signer.key)));
}

// ---------------------------------------------------------------------------------------------------------
// The server

export interface RevocationService {
  /** Add a CA whose certificates are answered for. */
  addIssuer(ca: Signer): void;
  revoke(r: RevokedSerial): void;
  /** Answer every request with HTTP 503 (an unreachable or overloaded responder). */
  down: boolean;
  /** Requests served, by kind (tests assert a fetch really happened). */
  served: { ocsp: number; crl: number };
  /**
   * Answer a request whose path (after the mount point) is `path`: "ocsp" (POST, or GET with the request in
   * base64), "crl/NAME.crl", or anything under "down/" (always 503: the OCSP-down case).
   */
  handle(req: http.IncomingMessage, res: http.ServerResponse, path: string): void;
}

/** The CRL file name of an issuer under the mount point ("crl/NAME.crl"). */
export function crlPath(issuer: Certificate): string {
  return `crl/${issuer.sha256.slice(0, 16)}.crl`;
}

/** The responder and CRL service, to mount on an HTTP server (the lab's) or to run alone. */
export function revocationService(o: { now?: () => Date } = {}): RevocationService {
  const issuers: Signer[] = [];
  const revoked = new Map<string, RevokedSerial>();
  const now = o.now ?? (() => new Date());
  const state = { down: false, served: { ocsp: 0, crl: 0 } };

  const answerOcsp = (body: Uint8Array): Uint8Array => {
    let ids: CertId[];
    try {
      ids = parseOcspRequest(body);
    } catch {
      return ocspErrorResponse(1); // malformedRequest
    }
    const id = ids[0];
    const ca = id && issuers.find((i) => sameIssuer(id, i.cert));
    if (!ca) return ocspErrorResponse(6); // unauthorized: not a CA we answer for
    const t = now();
    const r = revoked.get(id.serial);
    return buildOcspResponse({
      certId: id,
      issuer: ca.cert,
      signer: ca,
      answer: {
        status: r ? "revoked" : "good",
        ...(r ? { revokedAt: r.date, ...(r.reason !== undefined ? { reason: r.reason } : {}) } : {}),
        thisUpdate: new Date(t.getTime() - 60_000),
        nextUpdate: new Date(t.getTime() + DAY),
      },
    });
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, path: string) => {
    const reply = (status: number, type: string, body: Uint8Array | string) => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (state.down || path.startsWith("down/")) return reply(503, "text/plain", "responder unavailable\n");
    if (req.method === "GET" && path.startsWith("crl/")) {
      const ca = issuers.find((i) => crlPath(i.cert) === path);
      if (!ca) return reply(404, "text/plain", "no such CRL\n");
      state.served.crl++;
      const t = now();
      return reply(
        200,
        "application/pkix-crl",
        buildCrl(ca, [...revoked.values()], {
          thisUpdate: new Date(t.getTime() - 60_000),
          nextUpdate: new Date(t.getTime() + 7 * DAY),
        }),
      );
    }
    if (path === "ocsp" || path.startsWith("ocsp/")) {
      state.served.ocsp++;
      if (req.method === "GET") {
        const b64 = decodeURIComponent(path.slice("ocsp/".length));
        return reply(
          200,
          "application/ocsp-response",
          answerOcsp(Uint8Array.from(Buffer.from(b64, "base64"))),
        );
      }
      const chunks: Buffer[] = [];
      let n = 0;
      req.on("data", (c: Buffer) => {
        n += c.length;
        if (n <= 16 * 1024) chunks.push(c);
      });
      req.on("end", () =>
        n > 16 * 1024
          ? reply(413, "text/plain", "request too large\n")
          : reply(200, "application/ocsp-response", answerOcsp(new Uint8Array(Buffer.concat(chunks)))),
      );
      return;
    }
    reply(404, "text/plain", "not found\n");
  };

  return {
    addIssuer: (ca) => {
      if (!issuers.some((i) => i.cert.sha256 === ca.cert.sha256)) issuers.push(ca);
    },
    revoke: (r) => revoked.set(r.serial.replace(/^(00)+/, "") || "00", r),
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    served: state.served,
    handle,
  };
}

export interface RevocationServer extends RevocationService {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The OCSP URL to put in certificates' AIA. */
  ocspUrl: string;
  /** The CRL URL of an issuer, for certificates' CRL distribution points. */
  crlUrl(issuer: Certificate): string;
  close(): Promise<void>;
}

/** The service alone on 127.0.0.1 (an ephemeral port unless one is given). */
export async function startRevocationServer(
  o: { port?: number; now?: () => Date } = {},
): Promise<RevocationServer> {
  const service = revocationService(o);
  const server = http.createServer((req, res) =>
    service.handle(req, res, (req.url ?? "/").split("?")[0].replace(/^\/+/, "")),
  );
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(service, {
    origin,
    ocspUrl: `${origin}/ocsp`,
    crlUrl: (c: Certificate) => `${origin}/${crlPath(c)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

function sameIssuer(id: CertId, ca: Certificate): boolean {
  const hash = id.hashAlgorithm === OCSP_OID.sha256 ? "sha256" : "sha1";
  const mine = certIdFor(ca, ca, hash);
  return mine.issuerNameHash === id.issuerNameHash && mine.issuerKeyHash === id.issuerKeyHash;
}
