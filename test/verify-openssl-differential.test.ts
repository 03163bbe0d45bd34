/**
 * Differential test of verifyChain against `openssl verify -x509_strict -purpose sslserver`.
 *
 * At run time: a few hundred root → intermediate → leaf chains (P-256, P-384, RSA-2048), each a clean chain
 * or one mutation of it (expired or not-yet-valid certificates, a CA without the CA bit or keyCertSign,
 * pathLen exceeded, wrong EKU, unknown critical extensions, bad signatures, wrong issuer names, name
 * constraint violations, SHA-1, RSA-1024, missing or reordered intermediates, hostname mismatch, AKI/SKI
 * mismatch, v1 intermediates, duplicate extensions, …). Each is written as PEM and verified by openssl
 * (one process per group of leaves sharing a CAfile and an -untrusted file; groups in a small pool) and by
 * verifyChain, and the verdicts are compared.
 *
 * Profile: "rfc5280". `-x509_strict` adds RFC 5280 profile checks (critical basicConstraints on CAs, AKI in
 * issued certificates, SKI and keyUsage in CAs, pathLen only on CAs with keyCertSign, version rules, duplicate
 * extensions). It implements none of the CA/B Forum rules of our "webpki" profile (CN echoing a SAN, no CA
 * certificate as a leaf, SHA-1 and RSA-1024 refused). OpenSSL 3.0 at its default security level 1 accepts
 * SHA-1 signatures and RSA-1024 keys in a chain, and so does the rfc5280 profile. Under "webpki" the
 * differential has four more disagreeing mutations (leaf-is-ca, leaf/ica SHA-1, ica RSA-1024) and two fewer
 * (ica-eku-clientauth-only, ica-nc-noncritical).
 *
 * Every disagreement must be listed in test/data/openssl-differential-allowlist.json, keyed by mutation,
 * with which side is right and why; an allow-listed mutation that stops disagreeing fails the test too.
 */

import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Policy, verifyChain } from "../src/verify/index.js";
import { toPem } from "../src/x509/pem.js";
import { haveOpenssl, mapLimit, openssl } from "./helpers/openssl.js";
import * as pki from "./helpers/pki.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ALLOWLIST = join(ROOT, "test/data/openssl-differential-allowlist.json");

const HOST = "example.com";
const T = pki.NOW;
const PAST = new Date("2025-01-01T00:00:00Z");
const FUTURE = new Date("2031-01-01T00:00:00Z");
const UNKNOWN_EXT = "1.3.6.1.4.1.55555.1.1";

type Kind = "p256" | "p384" | "rsa2048";

interface Chain {
  root: pki.Issued;
  /** Intermediates as written to the -untrusted file (and passed as presented), in that order. */
  untrusted: pki.Issued[];
  leaf: pki.Issued;
}

interface Mutation {
  name: string;
  /**
   * "leaf": only the leaf differs from the base chain, so it joins its base's openssl batch.
   * "chain": the mutation builds its own chain.
   */
  level: "leaf" | "chain";
  make: (base: Chain, kind: Kind) => Chain;
}

function rsa1024(): pki.KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  return {
    kind: "rsa2048", // signs with rsa-sha256
    privateKey,
    publicKey,
    spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
  };
}

const sha1For = (k: Kind): pki.SigAlg => (k === "rsa2048" ? "rsa-sha1" : "ecdsa-sha1");

function base(kind: Kind, tag: string): Chain {
  const root = pki.root({ name: `Diff Root ${tag}`, keyKind: kind });
  const ica = pki.issue(root, { name: `Diff ICA ${tag}`, ca: true, keyKind: kind });
  const leaf = pki.leafFor(ica, HOST, { keyKind: kind });
  return { root, untrusted: [ica], leaf };
}

/** A leaf-level mutation: a new leaf under the base intermediate. */
const leafM = (name: string, spec: (k: Kind) => pki.CertSpec, host = HOST): Mutation => ({
  name,
  level: "leaf",
  make: (b, k) => ({ ...b, leaf: pki.leafFor(b.untrusted[0], host, { keyKind: k, ...spec(k) }) }),
});

/** A chain-level mutation: a new intermediate (under the base root) with `ica`, and a plain leaf under it. */
const icaM = (name: string, ica: (k: Kind) => pki.CertSpec, leaf: pki.CertSpec = {}): Mutation => ({
  name,
  level: "chain",
  make: (b, k) => {
    const i = pki.issue(b.root, { name: `ICA ${name}`, ca: true, keyKind: k, ...ica(k) });
    return { root: b.root, untrusted: [i], leaf: pki.leafFor(i, HOST, { keyKind: k, ...leaf }) };
  },
});

const MUTATIONS: Mutation[] = [
  { name: "valid", level: "leaf", make: (b) => b },
  leafM("valid-second-leaf", () => ({})),
  leafM("leaf-expired", () => ({ notAfter: PAST })),
  leafM("leaf-not-yet-valid", () => ({ notBefore: FUTURE })),
  leafM("leaf-eku-clientauth-only", () => ({ eku: ["clientAuth"] })),
  leafM("leaf-eku-serverauth-clientauth", () => ({ eku: ["serverAuth", "clientAuth"] })),
  leafM("leaf-eku-any", () => ({ eku: ["any"] })),
  leafM("leaf-no-eku", () => ({ eku: undefined })),
  leafM("leaf-unknown-critical-extension", () => ({
    extensions: [pki.ext(UNKNOWN_EXT, pki.nul(), true)],
  })),
  leafM("leaf-unknown-noncritical-extension", () => ({
    extensions: [pki.ext(UNKNOWN_EXT, pki.nul(), false)],
  })),
  {
    name: "leaf-bad-signature",
    level: "leaf",
    make: (b, k) => ({
      ...b,
      leaf: pki.leafFor(b.untrusted[0], HOST, { keyKind: k, signWith: pki.newKey(k) }),
    }),
  },
  leafM("leaf-wrong-issuer-name", () => ({ issuerName: "Somebody Else" })),
  leafM("leaf-sha1-signature", (k) => ({ sigAlg: sha1For(k) })),
  leafM("leaf-rsa1024-key", () => ({ key: rsa1024() })),
  leafM("hostname-mismatch", () => ({}), "other.example.net"),
  leafM("leaf-aki-mismatch", () => ({ aki: new Uint8Array(20).fill(7) })),
  leafM("leaf-no-aki", () => ({ aki: false })),
  leafM("leaf-no-ski", () => ({ ski: false })),
  leafM("leaf-duplicate-extension", () => ({
    extensions: [pki.ext("2.5.29.17", pki.seq(pki.generalName({ dns: HOST })))],
  })),
  leafM("leaf-is-ca", () => ({ ca: true })),
  leafM("leaf-keycertsign-not-ca", () => ({ keyUsage: ["digitalSignature", "keyCertSign"] })),
  leafM("leaf-ku-keyencipherment-only", () => ({ keyUsage: ["keyEncipherment"] })),
  leafM("leaf-san-critical-empty-subject", () => ({
    name: "",
    san: { names: [{ dns: HOST }], critical: true },
  })),
  leafM("leaf-san-noncritical-empty-subject", () => ({ name: "", san: [{ dns: HOST }] })),
  leafM("leaf-v1", () => ({ version: 1 })),
  leafM("leaf-tbs-sigalg-mismatch", (k) => ({
    tbsSigAlg: k === "rsa2048" ? "rsa-pss-sha256" : "ecdsa-sha384",
  })),
  leafM("leaf-basic-constraints-ca-false", () => ({ ca: false })),
  icaM("ica-expired", () => ({ notAfter: PAST })),
  icaM("ica-not-yet-valid", () => ({ notBefore: FUTURE })),
  icaM("ica-basic-constraints-ca-false", () => ({ ca: false, keyUsage: ["keyCertSign", "cRLSign"] })),
  icaM("ica-no-basic-constraints", () => ({ ca: undefined, keyUsage: ["keyCertSign", "cRLSign"] })),
  icaM("ica-basic-constraints-noncritical", () => ({ ca: { critical: false } })),
  icaM("ica-ku-without-keycertsign", () => ({ keyUsage: ["digitalSignature", "cRLSign"] })),
  icaM("ica-no-key-usage", () => ({ keyUsage: null })),
  icaM("ica-unknown-critical-extension", () => ({ extensions: [pki.ext(UNKNOWN_EXT, pki.nul(), true)] })),
  icaM("ica-bad-signature", (k) => ({ signWith: pki.newKey(k) })),
  icaM("ica-sha1-signature", (k) => ({ sigAlg: sha1For(k) })),
  icaM("ica-rsa1024-key", () => ({ key: rsa1024() })),
  icaM("ica-no-ski", () => ({ ski: false })),
  icaM("ica-no-aki", () => ({ aki: false })),
  icaM("ica-aki-mismatch", () => ({ aki: new Uint8Array(20).fill(9) })),
  icaM("ica-eku-clientauth-only", () => ({ eku: ["clientAuth"] })),
  icaM("ica-eku-serverauth", () => ({ eku: ["serverAuth"] })),
  icaM("ica-nc-permitted-ok", () => ({ nameConstraints: { permitted: [{ dns: HOST }] } })),
  icaM("ica-nc-permitted-violation", () => ({ nameConstraints: { permitted: [{ dns: "example.org" }] } })),
  icaM("ica-nc-excluded-violation", () => ({ nameConstraints: { excluded: [{ dns: HOST }] } })),
  icaM("ica-nc-excluded-other", () => ({ nameConstraints: { excluded: [{ dns: "example.org" }] } })),
  icaM("ica-nc-noncritical", () => ({ nameConstraints: { permitted: [{ dns: HOST }], critical: false } })),
  icaM("ica-nc-permitted-violation-second-san", () => ({ nameConstraints: { permitted: [{ dns: HOST }] } }), {
    san: [{ dns: HOST }, { dns: "evil.example.org" }],
  }),
  icaM("ica-pathlen0-ok", () => ({ ca: { pathLen: 0 } })),
  icaM("ica-duplicate-extension", () => ({
    extensions: [pki.ext("2.5.29.15", pki.keyUsageValue(["keyCertSign"]), true)],
  })),
  {
    name: "ica-v1",
    level: "chain",
    make: (b, k) => {
      const i = pki.issue(b.root, { name: "ICA v1", version: 1, keyKind: k });
      return { root: b.root, untrusted: [i], leaf: pki.leafFor(i, HOST, { keyKind: k }) };
    },
  },
  {
    name: "pathlen0-extra-intermediate",
    level: "chain",
    make: (b, k) => {
      const i1 = pki.issue(b.root, { name: "ICA pathLen 0", ca: { pathLen: 0 }, keyKind: k });
      const i2 = pki.issue(i1, { name: "ICA below", ca: true, keyKind: k });
      return { root: b.root, untrusted: [i2, i1], leaf: pki.leafFor(i2, HOST, { keyKind: k }) };
    },
  },
  {
    name: "pathlen1-two-intermediates",
    level: "chain",
    make: (b, k) => {
      const i1 = pki.issue(b.root, { name: "ICA pathLen 1", ca: { pathLen: 1 }, keyKind: k });
      const i2 = pki.issue(i1, { name: "ICA below 1", ca: true, keyKind: k });
      return { root: b.root, untrusted: [i2, i1], leaf: pki.leafFor(i2, HOST, { keyKind: k }) };
    },
  },
  {
    name: "two-intermediates-reversed-order",
    level: "chain",
    make: (b, k) => {
      const i1 = pki.issue(b.root, { name: "ICA upper", ca: true, keyKind: k });
      const i2 = pki.issue(i1, { name: "ICA lower", ca: true, keyKind: k });
      return { root: b.root, untrusted: [i1, i2], leaf: pki.leafFor(i2, HOST, { keyKind: k }) };
    },
  },
  { name: "missing-intermediate", level: "chain", make: (b) => ({ ...b, untrusted: [] }) },
  {
    name: "root-expired",
    level: "chain",
    make: (_b, k) => {
      const r = pki.root({ name: "Expired Root", keyKind: k, notAfter: PAST });
      const i = pki.issue(r, { name: "ICA under expired root", ca: true, keyKind: k });
      return { root: r, untrusted: [i], leaf: pki.leafFor(i, HOST, { keyKind: k }) };
    },
  },
  {
    name: "wrong-root",
    level: "chain",
    make: (b, k) => ({ ...b, root: pki.root({ name: "Unrelated Root", keyKind: k }) }),
  },
];

const KINDS: Kind[] = ["p256", "p384", "rsa2048"];
const REPLICAS = 2;

interface Case {
  mutation: string;
  kind: Kind;
  chain: Chain;
  group: number;
  file?: string;
}

const POLICY: Policy = {
  time: T,
  purpose: "server",
  peerName: { kind: "dns", value: HOST },
  profile: "rfc5280",
  allowNonSelfSignedAnchors: false,
  diagnostics: "verdict",
};

interface Allow {
  [mutation: string]: { chainproof: "accept" | "reject"; openssl: "accept" | "reject"; reason: string };
}

describe("verifyChain against openssl verify -x509_strict", { skip: !haveOpenssl() && "no openssl" }, () => {
  it("agrees on every generated chain, or the disagreement is allow-listed with its reason", async () => {
    const t0 = performance.now();
    const allow = JSON.parse(readFileSync(ALLOWLIST, "utf8")) as Allow;
    const cases: Case[] = [];
    const groups: { root: pki.Issued; untrusted: pki.Issued[]; cases: Case[] }[] = [];
    for (const kind of KINDS) {
      for (let r = 0; r < REPLICAS; r++) {
        const b = base(kind, `${kind}-${r}`);
        const baseGroup = { root: b.root, untrusted: b.untrusted, cases: [] as Case[] };
        groups.push(baseGroup);
        for (const m of MUTATIONS) {
          const chain = m.make(b, kind);
          const c: Case = { mutation: m.name, kind, chain, group: 0 };
          if (m.level === "leaf") baseGroup.cases.push(c);
          else groups.push({ root: chain.root, untrusted: chain.untrusted, cases: [c] });
          cases.push(c);
        }
      }
    }

    const dir = mkdtempSync(join(tmpdir(), "chainproof-ossl-diff-"));
    const verdicts = new Map<Case, { ok: boolean; error: string }>();
    try {
      const jobs = groups.map((g, gi) => {
        const gdir = join(dir, `g${gi}`);
        const rootFile = `${gdir}-root.pem`;
        const intsFile = `${gdir}-ints.pem`;
        writeFileSync(rootFile, toPem(g.root.der));
        writeFileSync(intsFile, g.untrusted.map((i) => toPem(i.der)).join(""));
        g.cases.forEach((c, ci) => {
          c.file = `${gdir}-leaf${ci}.pem`;
          writeFileSync(c.file, toPem(c.chain.leaf.der));
        });
        return { g, rootFile, intsFile };
      });
      await mapLimit(jobs, 4, async ({ g, rootFile, intsFile }) => {
        const args = [
          "verify",
          "-x509_strict",
          "-purpose",
          "sslserver",
          "-attime",
          String(Math.floor(T.getTime() / 1000)),
          "-verify_hostname",
          HOST,
          "-CAfile",
          rootFile,
          ...(g.untrusted.length ? ["-untrusted", intsFile] : []),
          ...g.cases.map((c) => c.file!),
        ];
        const r = await openssl(args);
        const okFiles = new Set(
          r.stdout
            .split("\n")
            .filter((l) => l.endsWith(": OK"))
            .map((l) => l.slice(0, -4)),
        );
        // stderr: "error N at D depth lookup: msg" lines, then "error FILE: verification failed".
        const errors = new Map<string, string>();
        let pending: string[] = [];
        for (const line of r.stderr.split("\n")) {
          const m = /^error (\d+ at \d+ depth lookup: .*)$/.exec(line);
          if (m) pending.push(m[1]);
          const f = /^error (.*): verification failed$/.exec(line);
          if (f) {
            errors.set(f[1], pending.join("; ") || "verification failed");
            pending = [];
          }
        }
        for (const c of g.cases) {
          const ok = okFiles.has(c.file!);
          verdicts.set(c, { ok, error: ok ? "" : (errors.get(c.file!) ?? r.stderr.trim().slice(0, 200)) });
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const byMutation = new Map<
      string,
      { agree: number; disagree: string[]; ours: Set<string>; theirs: Set<string> }
    >();
    let agreements = 0;
    for (const c of cases) {
      const r = verifyChain({
        leaf: c.chain.leaf.cert,
        presented: c.chain.untrusted.map((i) => i.der),
        anchors: [{ cert: c.chain.root.cert }],
        policy: POLICY,
      });
      const o = verdicts.get(c)!;
      let s = byMutation.get(c.mutation);
      if (!s) {
        s = { agree: 0, disagree: [], ours: new Set(), theirs: new Set() };
        byMutation.set(c.mutation, s);
      }
      s.ours.add(r.trusted ? "accept" : "reject");
      s.theirs.add(o.ok ? "accept" : "reject");
      if (r.trusted === o.ok) {
        agreements++;
        s.agree++;
      } else {
        s.disagree.push(
          `${c.kind}: chainproof ${r.trusted ? "accepts" : `rejects (${r.findings.map((f) => f.code).join(", ")})`}, openssl ${o.ok ? "accepts" : `rejects (${o.error})`}`,
        );
      }
    }

    const unlisted: string[] = [];
    const stale: string[] = [];
    const mixed: string[] = [];
    let allowed = 0;
    for (const [m, s] of byMutation) {
      if (s.disagree.length && s.agree)
        mixed.push(`${m}: ${s.agree} agree, ${s.disagree.length} disagree: ${s.disagree[0]}`);
      if (s.disagree.length && !(m in allow)) unlisted.push(`${m}: ${s.disagree.join(" | ")}`);
      if (s.disagree.length && m in allow) {
        allowed += s.disagree.length;
        const a = allow[m];
        if (!s.ours.has(a.chainproof) || !s.theirs.has(a.openssl))
          unlisted.push(
            `${m}: allow-listed as chainproof ${a.chainproof} / openssl ${a.openssl}, but ${s.disagree[0]}`,
          );
      }
      if (!s.disagree.length && m in allow) stale.push(m);
    }
    for (const m of Object.keys(allow)) if (!byMutation.has(m)) stale.push(`${m} (no such mutation)`);

    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(
      `openssl differential: ${cases.length} chains (${MUTATIONS.length} mutations × ${KINDS.length} key types × ${REPLICAS}), ${groups.length} openssl runs, ${agreements} agree, ${allowed} allow-listed disagreements (${Object.keys(allow).length} mutations), ${secs} s`,
    );
    assert.deepEqual(unlisted, [], "disagreements not in the allow-list");
    assert.deepEqual(stale, [], "allow-listed mutations that no longer disagree: remove them");
    assert.deepEqual(mixed, [], "a mutation disagrees for some key types only");
  });
});
