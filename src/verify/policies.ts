/**
 * Certificate policy processing: RFC 5280 §6.1.2 (c)-(e),(i)-(j), §6.1.3 (d)-(f), §6.1.4 (a)-(b),(h)-(j),
 * §6.1.5 (a)-(b),(g): the valid_policy_tree, policy mapping, inhibitAnyPolicy, requireExplicitPolicy.
 *
 * Input: the certificates of the path from the one the trust anchor issued (RFC cert 1) down to the leaf
 * (cert n). The trust anchor itself is not part of the RFC path. The tree's size is bounded by a budget,
 * since a crafted path can make it grow exponentially (CVE-2023-0464).
 */

import type { Certificate } from "../x509/certificate.js";
import { OID } from "../x509/oids.js";
import { selfIssued } from "./names.js";

const ANY = OID.anyPolicy;

interface PolicyNode {
  validPolicy: string;
  expected: Set<string>;
  parent: PolicyNode | null;
  children: PolicyNode[];
}

export interface PolicyInputs {
  /** user-initial-policy-set (default {anyPolicy}). */
  initialPolicies?: string[];
  initialExplicitPolicy?: boolean;
  initialPolicyMappingInhibit?: boolean;
  initialAnyPolicyInhibit?: boolean;
  /** Maximum tree nodes before giving up. */
  maxNodes: number;
}

export type PolicyOutcome =
  | {
      ok: true /** The user-constrained policy set ("anyPolicy" when unconstrained). */;
      policies: string[];
      nodes: number;
    }
  | {
      ok: false;
      code: "policy-required" | "invalid-policy-mapping" | "budget-exceeded";
      detail: string;
      cert?: Certificate;
      nodes: number;
    };

/** `certs` in RFC order: certs[0] is issued by the trust anchor, certs[n-1] is the leaf. */
export function processPolicies(certs: Certificate[], inputs: PolicyInputs): PolicyOutcome {
  const n = certs.length;
  let nodes = 1;
  const root: PolicyNode = { validPolicy: ANY, expected: new Set([ANY]), parent: null, children: [] };
  let tree: PolicyNode | null = root;
  /** Nodes at the deepest level built so far (depth i after processing cert i). */
  let level: PolicyNode[] = [root];
  let explicitPolicy = inputs.initialExplicitPolicy ? 0 : n + 1;
  let inhibitAny = inputs.initialAnyPolicyInhibit ? 0 : n + 1;
  let policyMapping = inputs.initialPolicyMappingInhibit ? 0 : n + 1;

  const addChild = (parent: PolicyNode, policy: string, expected: Set<string>, into: PolicyNode[]) => {
    const node: PolicyNode = { validPolicy: policy, expected, parent, children: [] };
    parent.children.push(node);
    into.push(node);
    nodes++;
  };

  for (let i = 1; i <= n; i++) {
    const cert = certs[i - 1];
    const isSelfIssued = selfIssued(cert);
    const cps = cert.certificatePolicies;
    // (d)
    if (cps && tree) {
      const next: PolicyNode[] = [];
      let certAny = false;
      for (const p of cps) {
        if (p.policyId === ANY) {
          certAny = true;
          continue;
        }
        // (d)(1)(i)
        let matched = false;
        for (const node of level) {
          if (node.expected.has(p.policyId)) {
            addChild(node, p.policyId, new Set([p.policyId]), next);
            matched = true;
          }
        }
        // (d)(1)(ii)
        if (!matched) {
          for (const node of level)
            if (node.validPolicy === ANY) addChild(node, p.policyId, new Set([p.policyId]), next);
        }
        if (nodes > inputs.maxNodes) return tooBig(nodes);
      }
      // (d)(2)
      if (certAny && (inhibitAny > 0 || (i < n && isSelfIssued))) {
        for (const node of level) {
          const present = new Set(node.children.map((c) => c.validPolicy));
          for (const e of node.expected) {
            if (!present.has(e)) addChild(node, e, new Set([e]), next);
          }
          if (nodes > inputs.maxNodes) return tooBig(nodes);
        }
      }
      // (d)(3): prune childless nodes above the new level.
      level = next;
      tree = prune(root, i) ? root : null;
      if (!tree) level = [];
    }
    // (e)
    if (!cps) {
      tree = null;
      level = [];
    }
    // (f)
    if (explicitPolicy <= 0 && !tree) {
      return {
        ok: false,
        code: "policy-required",
        detail: "no acceptable certificate policy remains, and an explicit policy is required",
        cert,
        nodes,
      };
    }

    if (i === n) break;
    // §6.1.4 (a)
    const maps = cert.policyMappings;
    if (maps) {
      for (const m of maps) {
        if (m.issuerDomainPolicy === ANY || m.subjectDomainPolicy === ANY) {
          return {
            ok: false,
            code: "invalid-policy-mapping",
            detail: "policyMappings maps to or from anyPolicy",
            cert,
            nodes,
          };
        }
      }
      // (b)
      if (tree) {
        const byIssuer = new Map<string, Set<string>>();
        for (const m of maps) {
          let s = byIssuer.get(m.issuerDomainPolicy);
          if (!s) {
            s = new Set();
            byIssuer.set(m.issuerDomainPolicy, s);
          }
          s.add(m.subjectDomainPolicy);
        }
        for (const [idp, subjects] of byIssuer) {
          if (policyMapping > 0) {
            const hits = level.filter((x) => x.validPolicy === idp);
            if (hits.length) for (const h of hits) h.expected = new Set(subjects);
            else {
              const anyNode = level.find((x) => x.validPolicy === ANY);
              if (anyNode?.parent) addChild(anyNode.parent, idp, new Set(subjects), level);
            }
          } else {
            for (const h of level.filter((x) => x.validPolicy === idp)) {
              const p = h.parent!;
              p.children = p.children.filter((c) => c !== h);
            }
            level = level.filter((x) => x.validPolicy !== idp);
            tree = prune(root, i) ? root : null;
            if (!tree) level = [];
          }
        }
        if (nodes > inputs.maxNodes) return tooBig(nodes);
      }
    }
    // (h)
    if (!isSelfIssued) {
      if (explicitPolicy > 0) explicitPolicy--;
      if (policyMapping > 0) policyMapping--;
      if (inhibitAny > 0) inhibitAny--;
    }
    // (i)
    const pc = cert.policyConstraints;
    if (pc?.requireExplicitPolicy !== undefined)
      explicitPolicy = Math.min(explicitPolicy, pc.requireExplicitPolicy);
    if (pc?.inhibitPolicyMapping !== undefined)
      policyMapping = Math.min(policyMapping, pc.inhibitPolicyMapping);
    // (j)
    if (cert.inhibitAnyPolicy !== undefined) inhibitAny = Math.min(inhibitAny, cert.inhibitAnyPolicy);
  }

  // §6.1.5 (a)-(b)
  const leaf = certs[n - 1];
  if (explicitPolicy > 0) explicitPolicy--;
  if (leaf?.policyConstraints?.requireExplicitPolicy === 0) explicitPolicy = 0;

  // (g): intersect with the user-initial-policy-set.
  const initial =
    inputs.initialPolicies && inputs.initialPolicies.length > 0 ? inputs.initialPolicies : [ANY];
  let policies: string[] = [];
  if (tree && !initial.includes(ANY)) {
    const wanted = new Set(initial);
    // (g)(iii)(1)-(2): nodes whose parent is anyPolicy must carry a wanted policy.
    const kept = new Set<string>();
    const walk = (node: PolicyNode) => {
      if (node.validPolicy === ANY) {
        node.children = node.children.filter((c) => c.validPolicy === ANY || wanted.has(c.validPolicy));
        for (const c of node.children) if (c.validPolicy !== ANY) kept.add(c.validPolicy);
      }
      for (const c of node.children) walk(c);
    };
    walk(root);
    // (g)(iii)(3): a leaf-level anyPolicy node stands for every wanted policy not already present.
    for (const node of nodesAtDepth(root, n)) {
      if (node.validPolicy !== ANY || !node.parent) continue;
      const parent = node.parent;
      parent.children = parent.children.filter((c) => c !== node);
      for (const w of wanted) {
        if (!kept.has(w))
          parent.children.push({ validPolicy: w, expected: new Set([w]), parent, children: [] });
      }
    }
    // (g)(iii)(4)
    if (!prune(root, n)) tree = null;
  }
  // Reported in the caller's (the trust anchor's) policy domain: for each leaf-level node, the policy of
  // its highest ancestor below the anyPolicy chain, so a mapped path answers with the policy asked for.
  if (tree) policies = [...new Set(nodesAtDepth(root, n).map(domainPolicy))];
  if (explicitPolicy <= 0 && !tree) {
    return {
      ok: false,
      code: "policy-required",
      detail: inputs.initialPolicies?.length
        ? `the path is not valid for any of the required policies (${initial.join(", ")})`
        : "the path requires an explicit certificate policy, and none is valid for the whole path",
      cert: leaf,
      nodes,
    };
  }
  return { ok: true, policies, nodes };
}

function tooBig(nodes: number): PolicyOutcome {
  return {
    ok: false,
    code: "budget-exceeded",
    detail: `the certificate policy tree grew past ${nodes - 1} nodes`,
    nodes,
  };
}

/** Remove nodes above depth `depth` that have no children, repeatedly; false when the root itself goes. */
function prune(root: PolicyNode, depth: number): boolean {
  const visit = (node: PolicyNode, d: number): boolean => {
    if (d === depth) return true;
    node.children = node.children.filter((c) => visit(c, d + 1));
    return node.children.length > 0;
  };
  return visit(root, 0);
}

function domainPolicy(node: PolicyNode): string {
  let top = node;
  while (top.parent && top.parent.validPolicy !== ANY) top = top.parent;
  return top.validPolicy;
}

function nodesAtDepth(root: PolicyNode, depth: number): PolicyNode[] {
  let level = [root];
  for (let d = 0; d < depth; d++) level = level.flatMap((x) => x.children);
  return level;
}
