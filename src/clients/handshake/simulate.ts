/**
 * The handshake a client would make with a server, predicted from the server's enumeration and the
 * client's ClientHello (./offers.ts): the version (the newest both speak), the cipher suite (by the
 * server's order when it enforces one, else the client's), the key-exchange group (a key share the client
 * sent, else the first group of the client's list the server has: a HelloRetryRequest), or the failure and
 * the client's own message. No client here retries with a lower version after a failure.
 */

import type { ClientId } from "../profile.js";
import { type ClientError, clientError, type HandshakeFailureCause } from "./errors.js";
import type { ClientOffer } from "./offers.js";
import type { TlsServerProfile } from "./server.js";
import { groupLabel, suiteInfo, suiteName, type TlsVersion, versionAtLeast } from "./suites.js";

export type FailureReason =
  | "no-common-version"
  | "no-common-cipher"
  | "no-common-group"
  | "no-common-signature-algorithm";

export interface HandshakePrediction {
  client: ClientId;
  label: string;
  outcome: "ok" | "fails" | "unknown";
  version?: TlsVersion;
  cipher?: string;
  group?: string;
  failure?: { reason: FailureReason; message: string; cause: HandshakeFailureCause };
  /** What the client prints when it fails. */
  error?: ClientError;
  /** Why the outcome is unknown (a probe the enumeration could not make). */
  unknown?: string;
}

export function simulateHandshake(server: TlsServerProfile, offer: ClientOffer): HandshakePrediction {
  const base = { client: offer.client, label: offer.label };
  const unknownVersions = offer.versions.filter((v) => server.versions[v] === "unknown");
  const version = offer.versions.find((v) => server.versions[v] === "yes");
  if (!version) {
    if (unknownVersions.length)
      return {
        ...base,
        outcome: "unknown",
        unknown: `the server's support for ${unknownVersions.join(", ")} is unknown`,
      };
    return fail(base, offer, "no-common-version", versionMessage(server, offer), versionCause(server));
  }
  if (unknownVersions.some((v) => versionAtLeast(v, version)))
    return {
      ...base,
      outcome: "unknown",
      unknown: `the server's support for ${unknownVersions.join(", ")} is unknown`,
    };

  if (offer.completesFrom && !versionAtLeast(version, offer.completesFrom)) {
    const message = `the server's best version is ${version}: ${offer.label} offers it but refuses the SHA-1 signatures it needs`;
    return fail(base, offer, "no-common-version", message, { kind: "legacy-signature", version });
  }
  const serverSuites = server.suites[version];
  if (!serverSuites)
    return { ...base, outcome: "unknown", version, unknown: `the ${version} cipher suites are unknown` };
  const groups = commonGroups(server, offer, version);
  const usable = (id: number) => {
    const s = suiteInfo(id);
    if (!s) return false;
    if (version === "TLSv1.3" ? !s.tls13 : s.tls13 || !versionAtLeast(version, s.minVersion)) return false;
    // A TLS 1.2 ECDHE suite needs a group both have (when the groups are known).
    return !(version !== "TLSv1.3" && s.keyExchange === "ECDHE" && groups?.length === 0);
  };
  const clientSuites = offer.suites.filter(usable);
  const cipher = server.serverOrder[version]
    ? serverSuites.find((s) => clientSuites.includes(s))
    : clientSuites.find((s) => serverSuites.includes(s));
  if (cipher === undefined) {
    const message = `no cipher suite in common for ${version}: the server accepts ${list(serverSuites)}; ${offer.label} offers ${list(offer.suites.filter((s) => suiteInfo(s)?.tls13 === (version === "TLSv1.3")))}`;
    return fail(base, offer, "no-common-cipher", message, { kind: "alert", alert: 40 });
  }
  const needsGroup = version === "TLSv1.3" || suiteInfo(cipher)?.keyExchange === "ECDHE";
  let group: number | undefined;
  if (needsGroup && groups) {
    group = groups.find((g) => offer.keyShares.includes(g)) ?? groups[0];
    if (group === undefined) {
      const message = `no key-exchange group in common for ${version}: the server accepts ${server.groups["TLSv1.3"]?.map(groupLabel).join(", ") || "none of the probed groups"}`;
      return fail(base, offer, "no-common-group", message, { kind: "alert", alert: 40 });
    }
  }
  const sigalgs = server.signatureAlgorithms;
  if (
    sigalgs &&
    version === highestSupported(server) &&
    !sigalgs.some((s) => offer.signatureAlgorithms.includes(s))
  ) {
    const message = `no signature algorithm in common: the server's key signs only with schemes ${offer.label} does not offer`;
    return fail(base, offer, "no-common-signature-algorithm", message, { kind: "alert", alert: 40 });
  }
  return {
    ...base,
    outcome: "ok",
    version,
    cipher: suiteName(cipher),
    ...(group !== undefined ? { group: groupLabel(group) } : {}),
  };
}

function fail(
  base: { client: ClientId; label: string },
  offer: ClientOffer,
  reason: FailureReason,
  message: string,
  cause: HandshakeFailureCause,
): HandshakePrediction {
  return {
    ...base,
    outcome: "fails",
    failure: { reason, message, cause },
    error: clientError(offer.client, cause),
  };
}

/** Groups both have, in the client's order; undefined when the server's were not probed. */
function commonGroups(
  server: TlsServerProfile,
  offer: ClientOffer,
  version: TlsVersion,
): number[] | undefined {
  const accepted = version === "TLSv1.3" ? server.groups["TLSv1.3"] : server.groups["TLSv1.2"];
  if (!accepted) return undefined;
  return offer.groups.filter((g) => accepted.includes(g));
}

function highestSupported(server: TlsServerProfile): TlsVersion | undefined {
  const order: TlsVersion[] = ["TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3"];
  return order.find((v) => server.versions[v] === "yes");
}

function versionCause(server: TlsServerProfile): HandshakeFailureCause {
  const a = server.modernHelloAnswer;
  if (a?.chose) return { kind: "version-chosen", version: a.chose };
  if (a?.alert !== undefined) return { kind: "alert", alert: a.alert };
  if (a?.closed) return { kind: "closed" };
  return { kind: "alert", alert: 70 };
}

function versionMessage(server: TlsServerProfile, offer: ClientOffer): string {
  const spoken = (Object.keys(server.versions) as TlsVersion[]).filter((v) => server.versions[v] === "yes");
  return `no protocol version in common: the server speaks ${spoken.join(", ") || "no version probed"}; ${offer.label} offers ${offer.versions.join(", ")} only, and does not retry with an older one`;
}

function list(ids: number[]): string {
  if (!ids.length) return "none";
  const names = ids.slice(0, 4).map(suiteName);
  return ids.length > 4 ? `${names.join(", ")} and ${ids.length - 4} more` : names.join(", ");
}
