import { useState } from "preact/hooks";
import { post } from "../api";
import type { CertificateJson } from "../cert";
import {
  Badge,
  Busy,
  colonHex,
  ErrorBox,
  emptyFile,
  FileField,
  type Finding,
  Findings,
  payloadOf,
  type Tone,
  Unavailable,
  useJob,
  useSession,
} from "../ui";

interface Step {
  id: string;
  title: string;
  status: "pass" | "fail" | "warn" | "skip" | "info";
  details: string[];
}

interface ResponseAnswer {
  at: string;
  skewSeconds: number;
  valid: boolean;
  steps: Step[];
  findings: Finding[];
  assertion?: {
    issuer?: string;
    nameId?: { value: string; format?: string };
    conditions?: { notBefore?: string; notOnOrAfter?: string; audiences: string[][] };
    attributes: { name: string; friendlyName?: string; values: string[] }[];
    source?: string;
  };
  signatures: {
    on: string;
    valid: boolean;
    signerTrusted: boolean;
    signer?: CertificateJson;
    signatureAlgorithm?: string;
    problem?: string;
  }[];
}

interface MetadataAnswer {
  valid: boolean;
  signature: {
    present: boolean;
    valid?: boolean;
    problem?: string;
    signerListed?: boolean;
    signerNamed?: boolean;
  };
  idps: {
    entityId: string;
    singleSignOn: { binding: string; location: string }[];
    keys: { use: string; keyName?: string; certificate: CertificateJson }[];
    rollover: boolean;
    rotation?: { configured: { sha256: string; status: string }[] };
  }[];
  findings: Finding[];
}

const STEP: Record<Step["status"], { text: string; tone: Tone }> = {
  pass: { text: "ok", tone: "good" },
  fail: { text: "fail", tone: "bad" },
  warn: { text: "warn", tone: "warn" },
  skip: { text: "skipped", tone: "muted" },
  info: { text: "info", tone: "muted" },
};

function certLine(c: CertificateJson): string {
  return `${c.subject.rfc4514 || "(empty subject)"} · expires ${c.validity.notAfter.slice(0, 10)} · SHA-256 ${colonHex(c.fingerprints.sha256).slice(0, 23)}…`;
}

function ResponseForm() {
  const [response, setResponse] = useState(emptyFile());
  const [cert, setCert] = useState(emptyFile());
  const [metadata, setMetadata] = useState(emptyFile());
  const [sp, setSp] = useState("");
  const [acs, setAcs] = useState("");
  const [requestId, setRequestId] = useState("");
  const [at, setAt] = useState("");
  const job = useJob<ResponseAnswer>();
  const submit = (e: Event) => {
    e.preventDefault();
    const r = payloadOf(response);
    if (!r) return;
    const c = payloadOf(cert);
    const m = payloadOf(metadata);
    void job.run((s) =>
      post<ResponseAnswer>(
        "/api/saml/verify",
        {
          response: r,
          ...(c ? { cert: c } : {}),
          ...(m ? { metadata: m } : {}),
          ...(sp.trim() ? { spEntityId: sp.trim() } : {}),
          ...(acs.trim() ? { acs: acs.trim() } : {}),
          ...(requestId.trim() ? { requestId: requestId.trim() } : {}),
          ...(at.trim() ? { at: at.trim() } : {}),
        },
        s,
      ),
    );
  };
  const r = job.result;
  return (
    <section class="card" aria-labelledby="resp-h">
      <h2 id="resp-h">Validate a SAML Response</h2>
      <form onSubmit={submit}>
        <FileField
          label="SAML Response"
          value={response}
          onChange={setResponse}
          hint="XML, base64, a SAMLResponse=… form body, or a deflated redirect value."
          placeholder="<samlp:Response …> or PHNhbWxwOlJlc3BvbnNl…"
        />
        <FileField
          label="The IdP certificate the SP has configured"
          value={cert}
          onChange={setCert}
          rows={3}
        />
        <details>
          <summary>More: metadata, expected values, time</summary>
          <FileField
            label="IdP metadata (when no certificate is given)"
            value={metadata}
            onChange={setMetadata}
            rows={3}
          />
          <div class="row">
            <label for="s-sp">SP entity ID (expected Audience)</label>
            <input
              id="s-sp"
              type="text"
              value={sp}
              onInput={(e) => setSp((e.target as HTMLInputElement).value)}
            />
          </div>
          <div class="row">
            <label for="s-acs">ACS URL (expected Recipient and Destination)</label>
            <input
              id="s-acs"
              type="text"
              value={acs}
              onInput={(e) => setAcs((e.target as HTMLInputElement).value)}
            />
          </div>
          <div class="row">
            <label for="s-req">AuthnRequest ID (expected InResponseTo)</label>
            <input
              id="s-req"
              type="text"
              value={requestId}
              onInput={(e) => setRequestId((e.target as HTMLInputElement).value)}
            />
          </div>
          <div class="row">
            <label for="s-at">Check at (ISO 8601; default now)</label>
            <input
              id="s-at"
              type="text"
              value={at}
              onInput={(e) => setAt((e.target as HTMLInputElement).value)}
            />
          </div>
        </details>
        <div class="actions">
          <button type="submit" disabled={job.running || !payloadOf(response)}>
            Validate
          </button>
        </div>
      </form>
      <Busy running={job.running} label="Validating…" onCancel={job.cancel} />
      <ErrorBox error={job.error} />
      {r && (
        <div aria-live="polite">
          <p class={`headline ${r.valid ? "good" : "bad"}`}>
            {r.valid
              ? "✓ The SAML Response is valid."
              : `✗ The SAML Response is NOT valid: ${r.findings.filter((f) => f.severity === "error").length} problem(s).`}
          </p>
          <ol class="steps">
            {r.steps.map((s) => (
              <li key={s.id} class={`step ${STEP[s.status].tone}`}>
                <Badge tone={STEP[s.status].tone}>{STEP[s.status].text}</Badge> <strong>{s.title}</strong>
                {s.details.length > 0 && (
                  <ul class="step-details">
                    {s.details.map((d, i) => (
                      <li key={i}>{d}</li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
          {r.assertion && (
            <>
              <h3>{`Assertion (${r.assertion.source === "signed" ? "read from the signed XML" : "NOT verified: shown as received"})`}</h3>
              <dl class="fields">
                {r.assertion.nameId && (
                  <div class="field">
                    <dt>NameID</dt>
                    <dd>{r.assertion.nameId.value}</dd>
                  </div>
                )}
                {r.assertion.issuer && (
                  <div class="field">
                    <dt>Issuer</dt>
                    <dd>{r.assertion.issuer}</dd>
                  </div>
                )}
                {r.assertion.conditions && (
                  <div class="field">
                    <dt>Audience</dt>
                    <dd>{r.assertion.conditions.audiences.flat().join(", ") || "(none)"}</dd>
                  </div>
                )}
                {r.assertion.attributes.slice(0, 30).map((a) => (
                  <div class="field" key={a.name}>
                    <dt>{a.friendlyName ?? a.name}</dt>
                    <dd>{a.values.join(", ") || "(no value)"}</dd>
                  </div>
                ))}
              </dl>
            </>
          )}
          {r.signatures.map((s, i) => (
            <p key={i} class="muted">
              {`Signature on the ${s.on}: ${s.valid ? "valid" : "not valid"}${s.signatureAlgorithm ? ` (${s.signatureAlgorithm})` : ""}${s.signer ? `; signer ${s.signerTrusted ? "trusted" : "NOT trusted"}: ${certLine(s.signer)}` : ""}${s.problem ? `; ${s.problem}` : ""}`}
            </p>
          ))}
          <h3>Findings</h3>
          <Findings findings={r.findings} />
        </div>
      )}
    </section>
  );
}

const CONFIGURED: Record<string, string> = {
  listed: "listed for signing",
  retiring: "the one being retired",
  incoming: "the incoming one",
  "same-key": "not listed, but a listed certificate has the same key",
  missing: "NOT listed",
};

function MetadataForm() {
  const [metadata, setMetadata] = useState(emptyFile());
  const [configured, setConfigured] = useState(emptyFile());
  const [signer, setSigner] = useState(emptyFile());
  const job = useJob<MetadataAnswer>();
  const submit = (e: Event) => {
    e.preventDefault();
    const m = payloadOf(metadata);
    if (!m) return;
    const c = payloadOf(configured);
    const g = payloadOf(signer);
    void job.run((s) =>
      post<MetadataAnswer>(
        "/api/saml/metadata",
        { metadata: m, ...(c ? { configured: c } : {}), ...(g ? { metadataSigner: g } : {}) },
        s,
      ),
    );
  };
  const r = job.result;
  return (
    <section class="card" aria-labelledby="md-h">
      <h2 id="md-h">Check IdP metadata</h2>
      <form onSubmit={submit}>
        <FileField
          label="IdP metadata"
          value={metadata}
          onChange={setMetadata}
          placeholder="<md:EntityDescriptor …>"
        />
        <FileField
          label="The IdP certificate the SP has configured (optional)"
          value={configured}
          onChange={setConfigured}
          rows={3}
        />
        <FileField
          label="The federation's metadata signing certificate (optional: the signature must verify with it)"
          value={signer}
          onChange={setSigner}
          rows={3}
        />
        <div class="actions">
          <button type="submit" disabled={job.running || !payloadOf(metadata)}>
            Check metadata
          </button>
        </div>
      </form>
      <Busy running={job.running} label="Reading metadata…" onCancel={job.cancel} />
      <ErrorBox error={job.error} />
      {r && (
        <div aria-live="polite">
          <p class={`headline ${r.valid ? "good" : "bad"}`}>
            {r.valid ? "✓ No errors." : "✗ Problems to fix."}
          </p>
          <p>
            {!r.signature.present
              ? "The metadata is not signed."
              : r.signature.valid
                ? `The metadata's signature is valid${r.signature.signerNamed ? " (by the metadata signing certificate given)" : r.signature.signerListed ? " (by one of its own certificates)" : ""}.`
                : `The metadata's signature does NOT verify: ${r.signature.problem ?? ""}`}
          </p>
          {r.idps.map((idp) => (
            <div key={idp.entityId} class="idp">
              <h3>{`IdP ${idp.entityId}`}</h3>
              <ul class="plain">
                {idp.singleSignOn.map((s) => (
                  <li
                    key={s.location + s.binding}
                  >{`SSO: ${s.location} (${s.binding.replace(/^urn:oasis:names:tc:SAML:2\.0:bindings:/, "")})`}</li>
                ))}
                {idp.keys.map((k, i) => (
                  <li key={i}>
                    <Badge tone="muted">{k.use}</Badge> {certLine(k.certificate)}
                  </li>
                ))}
                {idp.rollover && (
                  <li class="warn-text">More than one signing certificate: a rollover is in progress.</li>
                )}
                {idp.rotation?.configured.map((c) => (
                  <li
                    key={c.sha256}
                  >{`Configured certificate ${colonHex(c.sha256).slice(0, 23)}…: ${CONFIGURED[c.status] ?? c.status}`}</li>
                ))}
              </ul>
            </div>
          ))}
          <h3>Findings</h3>
          <Findings findings={r.findings} />
        </div>
      )}
    </section>
  );
}

export function SamlPage() {
  const session = useSession();
  if (session && !session.features.saml) return <Unavailable what="SAML checks" />;
  return (
    <>
      <h1>SAML</h1>
      <p class="lead">
        Validate a SAML Response step by step as a strict SP does, and check an IdP's metadata and certificate
        rotation.
      </p>
      <ResponseForm />
      <MetadataForm />
    </>
  );
}
