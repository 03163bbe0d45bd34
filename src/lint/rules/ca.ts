/** CA certificate profiles: basicConstraints, path lengths, name constraints, subjects (RFC 5280, BR 7.1.2). */

import { children, readTlv } from "../../x509/der.js";
import { OID } from "../../x509/oids.js";
import type { Lint } from "../types.js";
import { ATTR, BR_DATE, CA, extension, has, RFC5280_DATE, ROOT, SUBSCRIBER } from "../util.js";

/** A CA subject attribute the Baseline Requirements require (7.1.2.10.2). */
function caSubjectAttribute(id: string, oid: string, label: string): Lint {
  return {
    id,
    description: `CA certificates MUST include ${label} in the subject`,
    source: { document: "CA/B Forum BR", section: "7.1.2.10.2" },
    severity: "error",
    effective: BR_DATE,
    kinds: CA,
    check: (c) => (has(c, oid) ? undefined : `the subject has no ${label}`),
  };
}

export const CA_LINTS: Lint[] = [
  {
    id: "e_ca_subject_empty",
    description: "A CA certificate's subject MUST be a non-empty distinguished name",
    source: { document: "RFC 5280", section: "4.1.2.6" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: CA,
    check: (c) => (c.subject.isEmpty ? "the subject is empty" : undefined),
  },
  caSubjectAttribute("e_ca_common_name_missing", ATTR.cn, "commonName"),
  caSubjectAttribute("e_ca_organization_missing", ATTR.organization, "organizationName"),
  caSubjectAttribute("e_ca_country_missing", ATTR.country, "countryName"),
  {
    id: "e_path_len_without_ca",
    description: "pathLenConstraint MUST NOT be present unless cA is asserted",
    source: { document: "RFC 5280", section: "4.2.1.9" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: SUBSCRIBER,
    check: (c) =>
      c.basicConstraints?.pathLen !== undefined
        ? "pathLenConstraint on a certificate that is not a CA"
        : undefined,
  },
  {
    id: "e_path_len_without_key_cert_sign",
    description: "pathLenConstraint MUST NOT be present unless keyUsage asserts keyCertSign",
    source: { document: "RFC 5280", section: "4.2.1.9" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: CA,
    applies: (c) => c.basicConstraints?.pathLen !== undefined,
    scope: "CA certificates with pathLenConstraint",
    check: (c) => (c.keyUsage?.has("keyCertSign") ? undefined : "pathLenConstraint without keyCertSign"),
  },
  {
    id: "n_root_path_len_present",
    description: "Root CA certificates SHOULD NOT include pathLenConstraint",
    source: { document: "CA/B Forum BR", section: "7.1.2.1.4" },
    severity: "notice",
    effective: BR_DATE,
    kinds: ROOT,
    check: (c) =>
      c.basicConstraints?.pathLen !== undefined
        ? `a root with pathLenConstraint ${c.basicConstraints.pathLen}`
        : undefined,
  },
  {
    id: "e_name_constraints_minimum_maximum",
    description: "In name constraints, minimum MUST be zero and maximum MUST be absent",
    source: { document: "RFC 5280", section: "4.2.1.10" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: CA,
    applies: (c) => c.nameConstraints !== undefined,
    scope: "CA certificates with nameConstraints",
    check: (c) => {
      const nc = c.nameConstraints;
      const subtrees = [...(nc?.permitted ?? []), ...(nc?.excluded ?? [])];
      return subtrees.some((s) => s.minimum !== 0 || s.maximum !== undefined)
        ? "a subtree has a non-zero minimum or a maximum"
        : undefined;
    },
  },
  {
    id: "e_policy_mapping_any_policy",
    description: "Policies MUST NOT be mapped to or from anyPolicy",
    source: { document: "RFC 5280", section: "4.2.1.5" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: CA,
    check: (c) =>
      (c.policyMappings ?? []).some(
        (m) => m.issuerDomainPolicy === OID.anyPolicy || m.subjectDomainPolicy === OID.anyPolicy,
      )
        ? "policyMappings maps anyPolicy"
        : undefined,
  },
  {
    id: "e_basic_constraints_ca_false_encoded",
    description: "basicConstraints MUST be DER: an explicit cA FALSE is a mis-encoding",
    source: { document: "RFC 5280", section: "4.2.1.9" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: SUBSCRIBER,
    applies: (c) => c.hasExtension(OID.basicConstraints),
    scope: "certificates with basicConstraints",
    check: (c) => {
      const v = extension(c, OID.basicConstraints)?.value;
      if (!v) return undefined;
      try {
        const kids = children(v, readTlv(v, 0, v.length));
        return kids[0]?.tag === 0x01 && v[kids[0].valueStart] === 0
          ? "basicConstraints writes cA FALSE"
          : undefined;
      } catch {
        return undefined;
      }
    },
  },
];
