/**
 * Node.js's bundled root store (`tls.rootCertificates`: the roots compiled into this Node binary,
 * derived by the Node project from Mozilla's list). node:tls is loaded only when this store is asked for:
 * loading it costs a `verify` with another store 10-40 ms of start-up for nothing.
 *
 * Node enforces no distrust-after dates: a root is either in this list or not.
 */

import { createRequire } from "node:module";
import type { rootCertificates as RootCertificates } from "node:tls";
import { type Certificate, parseCertificate } from "../x509/certificate.js";
import { parsePem } from "../x509/pem.js";
import type { TrustStore } from "./store.js";

let parsed: { certs: readonly Certificate[]; failed: readonly string[] } | undefined;

function load(): { certs: readonly Certificate[]; failed: readonly string[] } {
  if (!parsed) {
    const certs: Certificate[] = [];
    const failed: string[] = [];
    const { rootCertificates } = createRequire(import.meta.url)("node:tls") as {
      rootCertificates: typeof RootCertificates;
    };
    rootCertificates.forEach((pem, i) => {
      for (const b of parsePem(pem)) {
        if (b.label !== "CERTIFICATE") continue;
        try {
          certs.push(parseCertificate(b.der));
        } catch (e) {
          failed.push(
            `root ${i + 1}: left out, our certificate parser rejects it (${e instanceof Error ? e.message : e})`,
          );
        }
      }
    });
    parsed = { certs: Object.freeze(certs), failed: Object.freeze(failed) };
  }
  return parsed;
}

export function nodeStore(): TrustStore {
  const { certs, failed } = load();
  return {
    id: "node",
    name: `Node.js ${process.version} bundled roots`,
    source: `tls.rootCertificates (Node.js ${process.version})`,
    anchors: certs.map((cert) => ({ cert, name: cert.label, trustSource: `node-${process.version}` })),
    notes: [
      "Node's compiled-in roots; NODE_EXTRA_CA_CERTS, --use-openssl-ca and --use-system-ca change what a Node process trusts",
      ...failed,
    ],
  };
}
