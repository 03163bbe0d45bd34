/**
 * Outbound mutual TLS, our side presenting the certificate (a Salesforce callout with a client certificate):
 *
 * - predictClientCertificateSent: will Java (and so Salesforce) send the certificate at all? Java's key
 *   managers (SunX509, and NewSunX509 for this part) choose a client certificate only when the server's
 *   CertificateRequest lists no CA names, or when one of the names is the issuer of a certificate in the
 *   chain. Otherwise Java sends an empty Certificate message, and the server says certificate_required or
 *   handshake_failure without ever seeing the certificate.
 * - describeServerVerdict: what the server's answer (from src/net's probe) means, in plain words.
 */

import type { Certificate } from "../x509/certificate.js";
import { readTlv } from "../x509/der.js";
import { type Name, namesMatch, parseName } from "../x509/names.js";
import { OID } from "../x509/oids.js";

export interface SendPrediction {
  sent: boolean;
  reason: string;
  /** The acceptable CA name that matched, and the chain position (0 = leaf) whose issuer it is. */
  matched?: { name: string; position: number };
  /** Things that do not change whether Java sends it, but whether the server will like it. */
  warnings: string[];
}

function parseNames(names: Uint8Array[]): (Name | undefined)[] {
  return names.map((der) => {
    try {
      return parseName(der, readTlv(der, 0, der.length), "CA name");
    } catch {
      return undefined;
    }
  });
}

/**
 * Does Salesforce/Java send `clientChain` (leaf first) to a server whose CertificateRequest lists
 * `acceptableCaNames` (DER Names, as the probe captures them)?
 */
export function predictClientCertificateSent(
  clientChain: Certificate[],
  acceptableCaNames: Uint8Array[],
): SendPrediction {
  const warnings: string[] = [];
  const leaf = clientChain[0];
  if (!leaf) return { sent: false, reason: "there is no client certificate to send", warnings };
  if (
    leaf.extKeyUsage &&
    !leaf.extKeyUsage.includes(OID.clientAuth) &&
    !leaf.extKeyUsage.includes(OID.anyExtendedKeyUsage)
  ) {
    warnings.push(
      `"${leaf.label}" does not allow TLS client authentication (no clientAuth in its extended key usage): the server will likely refuse it`,
    );
  }
  if (acceptableCaNames.length === 0) {
    return {
      sent: true,
      reason:
        "the server's certificate request names no CAs, so Java sends its certificate and lets the server decide",
      warnings,
    };
  }
  const names = parseNames(acceptableCaNames);
  const listed = names.filter((n): n is Name => n !== undefined).map((n) => n.toString() || "(empty name)");
  for (const [position, cert] of clientChain.entries()) {
    const hit = names.find((n) => n !== undefined && namesMatch(n, cert.issuer));
    if (hit) {
      const what =
        position === 0
          ? cert.selfSigned
            ? `the certificate "${cert.label}" itself (it is self-signed)`
            : `the CA that issued "${cert.label}"`
          : `the issuer of "${cert.label}", certificate ${position + 1} of the chain`;
      return {
        sent: true,
        reason: `the server accepts certificates from ${hit.toString()}, which is ${what}: Java sends the certificate`,
        matched: { name: hit.toString(), position },
        warnings,
      };
    }
  }
  const ownSubject = names.find((n) => n !== undefined && namesMatch(n, leaf.subject));
  const shown = listed.slice(0, 5).join("; ") + (listed.length > 5 ? `; and ${listed.length - 5} more` : "");
  return {
    sent: false,
    reason:
      `the server accepts client certificates only from ${shown}; no certificate in the chain of "${leaf.label}" was issued by one of them, so Java sends no certificate at all` +
      (ownSubject
        ? ` (the list names the certificate's own subject, but Java matches issuers only)`
        : leaf.selfSigned
          ? ` (install the self-signed certificate on the server: chainproof keys install-on-target)`
          : ` (the server must trust ${leaf.issuer.toString()} or a CA above it)`),
    warnings,
  };
}

/** The parts of a probe result (src/net/probe.ts ProbeResult) the verdict needs. */
export interface ServerAnswer {
  completed: boolean;
  protocol?: string;
  failure?: { kind: string; message: string; alert?: AlertLike };
  alerts: AlertLike[];
  certificateRequest?: { certificateAuthorities: Uint8Array[] };
  clientCertificate?: { sent: boolean; verdict: "accepted" | "rejected" | "unknown"; alert?: AlertLike };
}

export interface AlertLike {
  level: string;
  code: number;
  name: string;
}

export type ServerVerdictKind = "accepted" | "rejected" | "not-requested" | "unknown" | "failed";

export interface ServerVerdict {
  verdict: ServerVerdictKind;
  /** One sentence for a person. */
  summary: string;
  /** What to do about it, when there is something to do. */
  advice?: string;
  alert?: AlertLike;
}

/** What each alert means when a server sends it about a client certificate. */
const ALERT_MEANINGS: Record<number, { summary: string; advice?: string }> = {
  116: {
    summary: "the server requires a client certificate and none was sent (certificate_required)",
    advice:
      "Java sends none when the server's list of acceptable CAs does not name the certificate's issuer: install the certificate (or its CA) on the server",
  },
  48: {
    summary: "the server does not trust the CA of the client certificate (unknown_ca)",
    advice:
      "a self-signed certificate must itself be in the server's trusted list; a CA-signed one needs its issuing CA there (chainproof keys install-on-target)",
  },
  42: {
    summary: "the server refused the client certificate as bad (bad_certificate)",
    advice:
      "it may be malformed, lack clientAuth in its extended key usage, or its signature over the handshake (CertificateVerify) failed",
  },
  43: {
    summary: "the server does not support this kind of client certificate (unsupported_certificate)",
    advice: "check the key type and the signature algorithm",
  },
  44: {
    summary: "the server says the client certificate is revoked (certificate_revoked)",
    advice: "renew it (chainproof keys renew --new-key)",
  },
  45: {
    summary: "the server says the client certificate has expired (certificate_expired)",
    advice: "renew it (chainproof keys renew)",
  },
  46: {
    summary: "the server could not accept the client certificate (certificate_unknown)",
    advice: "often a chain the server cannot complete or verify: give it the issuing CA chain",
  },
  40: {
    summary: "the handshake failed (handshake_failure)",
    advice:
      "in TLS 1.2 servers often say this when a required client certificate was not sent; also when no cipher suite or signature algorithm is shared",
  },
  49: {
    summary: "the server denied access to this client certificate (access_denied)",
    advice:
      "the certificate was valid but is not authorised on the server (an allow-list by subject or fingerprint?)",
  },
  51: {
    summary: "the server could not verify the client's signature (decrypt_error)",
    advice:
      "the private key does not match the certificate, or the signature algorithm is not one the server accepts",
  },
  47: { summary: "the server found a malformed handshake field (illegal_parameter)" },
  50: { summary: "the server could not decode a handshake message (decode_error)" },
  70: { summary: "no TLS version in common (protocol_version)" },
  71: { summary: "the server wants stronger security than offered (insufficient_security)" },
  80: { summary: "the server failed internally (internal_error)", advice: "look at the server's log" },
  112: { summary: "the server does not know the name sent in SNI (unrecognized_name)" },
};

/** The server's verdict on our client certificate, from a probe result, in plain words. */
export function describeServerVerdict(r: ServerAnswer): ServerVerdict {
  const alert =
    r.clientCertificate?.alert ??
    r.failure?.alert ??
    r.alerts.find((a) => a.level === "fatal" && a.code !== 0);
  if (!r.certificateRequest) {
    if (!r.completed) {
      return {
        verdict: "failed",
        summary: `the connection failed before the server asked for a client certificate: ${r.failure?.message ?? "no handshake"}`,
        alert,
      };
    }
    return {
      verdict: "not-requested",
      summary:
        "the server did not ask for a client certificate: mutual TLS is not configured on this endpoint",
      advice: "nginx: ssl_verify_client on; Apache: SSLVerifyClient require; HAProxy: verify required",
    };
  }
  const sent = r.clientCertificate?.sent ?? false;
  const verdict = r.clientCertificate?.verdict ?? (r.completed ? "unknown" : "rejected");
  if (verdict === "accepted") {
    return sent
      ? { verdict: "accepted", summary: "the server accepted the client certificate" }
      : {
          verdict: "accepted",
          summary:
            "the server asked for a client certificate but went on without one (client certificates are optional here)",
          advice: "to require them: nginx ssl_verify_client on; Apache SSLVerifyClient require",
        };
  }
  if (verdict === "rejected") {
    const meaning = alert ? ALERT_MEANINGS[alert.code] : undefined;
    const base =
      meaning?.summary ??
      (alert
        ? `the server ended the handshake with alert ${alert.code} (${alert.name})`
        : "the server refused the connection");
    const noCert = !sent && (alert?.code === 40 || alert?.code === 116);
    return {
      verdict: "rejected",
      summary: noCert
        ? `${base}: no client certificate was sent`
        : `${base}${sent ? "" : " (no client certificate was sent)"}`,
      advice: meaning?.advice,
      alert,
    };
  }
  if (!r.completed) {
    return {
      verdict: "failed",
      summary: `the handshake did not complete: ${r.failure?.message ?? "unknown reason"}`,
      alert,
    };
  }
  return {
    verdict: "unknown",
    summary:
      "the server did not say whether it accepts the client certificate (a TLS 1.3 server judges it after the handshake, and sent neither a session ticket nor an alert in time)",
    advice: "send a request over the connection to see whether the server answers or closes it",
  };
}
