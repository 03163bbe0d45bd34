/**
 * The matrix shares path searches between clients (src/clients/evaluate.ts sharedSearch): each client's
 * verdict in the eight-client matrix must be the one it gets when asked alone, where nothing is shared.
 * Over every situation of test/helpers/clients-pki.ts, and chains made to sit at the edges the sharing
 * reasons about: a path longer than Firefox's and Java's depth limits, an intermediate in the trust list
 * (so not every anchor is self-issued), distrust and algorithm rules that differ between clients, and the
 * chains that make the CN fallback, the key identifier rule, EKU chaining and the signature budget matter
 * (clients that differ only in those share a search when the chain makes them moot).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLIENT_IDS, type ClientVerdict, evaluateClients } from "../src/clients/index.js";
import { storeFromBytes, type TrustStore } from "../src/trust/store.js";
import { HOST, issue, makePki, situations, type TestCert } from "./helpers/clients-pki.js";

const storeOf = (certs: TestCert[]): TrustStore =>
  storeFromBytes("custom", Buffer.from(certs.map((c) => c.pem).join("")), { source: "trust.pem" });

interface Case {
  name: string;
  chain: TestCert[];
  trust: TestCert[];
  host?: string;
}

/**
 * A verdict as JSON, less the reason's message: that text quotes the chain's findings, which compare the
 * chain with the anchors of every client asked (an intermediate Salesforce ignores is named when Java is
 * asked too), so it may read differently alone even when nothing is shared.
 */
function comparable(v: ClientVerdict): unknown {
  const { reason, ...rest } = JSON.parse(JSON.stringify(v)) as ClientVerdict;
  return {
    ...rest,
    reason: reason && { code: reason.code, kind: reason.kind, certificate: reason.certificate },
  };
}

function assertAloneAsInMatrix(c: Case): void {
  const stores = storeOf(c.trust);
  const input = {
    leaf: c.chain[0].cert,
    presented: c.chain.map((x) => x.cert),
    stores,
    host: c.host ?? HOST,
    // One validation time for every evaluation: findings quote it ("checked at …") to the second.
    time: new Date(),
  };
  const matrix = evaluateClients({ ...input, clients: [...CLIENT_IDS] });
  for (const id of CLIENT_IDS) {
    const alone = evaluateClients({ ...input, clients: [id] }).clients[0];
    const shared = matrix.clients.find((v) => v.client === id);
    assert.ok(shared, `${c.name}: ${id} in the matrix`);
    assert.deepEqual(
      comparable(shared),
      comparable(alone),
      `${c.name}: ${id}'s verdict alone and in the matrix`,
    );
  }
}

const ca = (cn: string, issuer?: TestCert, key?: TestCert["key"]): TestCert =>
  issue({ cn, org: "chainproof tests", ca: true, issuer, key });

/** leaf ← n intermediates (no path length limit) ← root, all sent; the leaf's issuer first. */
function longChain(label: string, n: number): Case & { cas: TestCert[]; root: TestCert } {
  const root = ca(`${label} Root`);
  const cas = [ca(`${label} Intermediate 1`, root)];
  for (let i = 1; i < n; i++) cas.push(ca(`${label} Intermediate ${i + 1}`, cas[i - 1]));
  const leaf = issue({ cn: HOST, dns: [HOST], issuer: cas[cas.length - 1] });
  return { name: `${n} intermediates`, chain: [leaf, ...[...cas].reverse()], trust: [root], cas, root };
}

describe("the shared path search", () => {
  for (const s of situations()) {
    it(`gives every client its own verdict: ${s.name}`, () => assertAloneAsInMatrix(s));
  }

  it("gives every client its own verdict on paths longer than some clients build", () => {
    // Java builds at most 5 intermediates when it does not validate the chain as sent, Firefox 6.
    for (const n of [5, 6, 7]) assertAloneAsInMatrix(longChain(`Long${n}`, n));
  });

  it("gives every client its own verdict when the trust list holds an intermediate", () => {
    const long = longChain("Listed", 3);
    const [leaf, i3, i2] = long.chain;
    assertAloneAsInMatrix({ ...long, name: "listed intermediate, chain in full", trust: [long.root, i2] });
    assertAloneAsInMatrix({ name: "listed intermediate, chain cut", chain: [leaf, i3], trust: [i2] });
    assertAloneAsInMatrix({ name: "listed leaf issuer", chain: [leaf], trust: [i3, long.root] });
    // The trust list holds a copy of the top intermediate (same name and key) issued by a root nobody
    // trusts: OpenSSL and curl pick the same sent certificates, and only the clients that take a listed
    // intermediate for an anchor (curl) trust the chain, so their searches must not be shared.
    const elsewhere = ca("Elsewhere Root");
    const copy = ca(long.cas[0].cn, elsewhere, long.cas[0].key);
    const sentBelow = long.chain.slice(0, 3);
    assertAloneAsInMatrix({
      name: "listed copy of the top intermediate",
      chain: sentBelow,
      trust: [long.root, copy],
    });
  });

  it("gives every client its own verdict where the CN fallback, key identifiers or issuer EKUs matter", () => {
    const p = makePki("Moot");
    // A DNS name in the SAN asked for an IP address, and a CN beside an IP-only SAN: the CN fallback is moot
    // only for a DNS peer and a leaf with DNS names.
    const ipOnly = issue({ cn: HOST, dns: [], ips: ["127.0.0.1"], issuer: p.intermediate });
    assertAloneAsInMatrix({
      name: "DNS leaf, IP peer",
      chain: [p.leaf, p.intermediate],
      trust: [p.root],
      host: "127.0.0.1",
    });
    assertAloneAsInMatrix({
      name: "CN beside an IP-only SAN",
      chain: [ipOnly, p.intermediate],
      trust: [p.root],
    });
    // An intermediate whose EKU allows serverAuth: EKU chaining finds nothing, but is not moot.
    const ekuInt = issue({
      cn: "EKU Intermediate",
      org: "chainproof tests",
      ca: true,
      issuer: p.root,
      eku: ["serverAuth"],
    });
    const ekuLeaf = issue({ cn: HOST, dns: [HOST], issuer: ekuInt });
    assertAloneAsInMatrix({ name: "serverAuth intermediate", chain: [ekuLeaf, ekuInt], trust: [p.root] });
    // Two roots of one name and key, one with another subjectKeyIdentifier: Java and OpenSSL refuse that one
    // as the intermediate's issuer, Go and the browsers try it last.
    const otherSki = issue({
      cn: p.root.cn,
      org: "chainproof tests",
      ca: true,
      key: p.root.key,
      ski: Uint8Array.from(Buffer.from("0102030405060708", "hex")),
    });
    assertAloneAsInMatrix({
      name: "root copy, other SKI",
      chain: [p.leaf, p.intermediate],
      trust: [otherSki, p.root],
    });
    assertAloneAsInMatrix({ name: "only the root copy", chain: [p.leaf, p.intermediate], trust: [otherSki] });
  });

  it("gives every client its own verdict when a chain needs more signature checks than Go's budget", () => {
    // 120 roots of one name and one subjectKeyIdentifier, distinct keys, the real one last: a client tries
    // each as the intermediate's issuer, one signature check apiece. Go stops at 100 checks
    // (maxChainSignatureChecks); the others' budget is larger, so they reach the real root.
    const ski = Uint8Array.from(Buffer.from("b0b0b0b0b0b0b0b0", "hex"));
    const busyRoot = () => issue({ cn: "Busy Root", org: "chainproof tests", ca: true, ski });
    const realRoot = busyRoot();
    const lookAlikes = Array.from({ length: 120 }, busyRoot);
    const intermediate = ca("Busy Intermediate", realRoot);
    const leaf = issue({ cn: HOST, dns: [HOST], issuer: intermediate });
    const c: Case = {
      name: "120 look-alike roots",
      chain: [leaf, intermediate],
      trust: [...lookAlikes, realRoot],
    };
    const matrix = evaluateClients({
      leaf: leaf.cert,
      presented: c.chain.map((x) => x.cert),
      stores: storeOf(c.trust),
      host: HOST,
      clients: [...CLIENT_IDS],
    });
    const status = Object.fromEntries(matrix.clients.map((v) => [v.client, v.reason?.code ?? v.status]));
    assert.equal(status.go, "budget-exceeded", JSON.stringify(status));
    assert.equal(status.chrome, "trusted", JSON.stringify(status));
    // Sharing a larger budget's search would hand Go the others' "trusted" (src/clients/evaluate.ts sameSearch).
    assertAloneAsInMatrix(c);
  });

  it("shares the search of a chain every client trusts, and still gives each client its own reason to refuse", () => {
    const p = makePki("Sha1Root");
    // SHA-1 and a 1024-bit key: the clients' algorithm rules (their pathCheck) answer differently.
    const weak = issue({
      cn: "Weak Intermediate",
      org: "chainproof tests",
      ca: true,
      issuer: p.root,
      hash: "sha1",
    });
    const leaf = issue({ cn: HOST, dns: [HOST], issuer: weak });
    assertAloneAsInMatrix({ name: "SHA-1 intermediate", chain: [leaf, weak], trust: [p.root] });
    assertAloneAsInMatrix({ name: "complete chain", chain: [p.leaf, p.intermediate], trust: [p.root] });
  });
});
