import { useState } from "preact/hooks";
import { type FilePayload, post, saveText } from "../api";
import { CertificateDetails, type CertificateJson } from "../cert";
import { type CtView, RevocationButton } from "../revocation";
import { Busy, Empty, ErrorBox, emptyFile, FileField, payloadOf, useJob } from "../ui";

interface DecodeAnswer {
  document: { generatedAt: string; certificates: CertificateJson[] };
  container: string;
  keys: number;
  skippedPemBlocks: string[];
  pem: string[];
  /** Per certificate, its embedded SCTs and the CT policies (as `ct` of the check document). */
  transparency: CtView[];
}

export function DecodePage() {
  const [file, setFile] = useState(emptyFile());
  const [needPassword, setNeedPassword] = useState(false);
  const job = useJob<DecodeAnswer>();
  // The file as decoded, for the revocation buttons (the form may have changed since).
  const [decoded, setDecoded] = useState<FilePayload | undefined>(undefined);
  const submit = (e: Event) => {
    e.preventDefault();
    const p = payloadOf(file);
    if (!p) return;
    setDecoded(p);
    void job.run(async (signal) => {
      try {
        return await post<DecodeAnswer>("/api/decode", { file: p }, signal);
      } catch (err) {
        if (
          (err as { code?: string }).code === "need-password" ||
          (err as { code?: string }).code === "bad-password"
        )
          setNeedPassword(true);
        throw err;
      }
    });
  };
  const r = job.result;
  const certs = r?.document.certificates ?? [];
  return (
    <>
      <h1>Decode certificates</h1>
      <p class="lead">
        PEM, DER, PKCS#7, PKCS#12 or a Java keystore: every field, fingerprints, warnings, lints, SCTs, and
        the revocation status on demand.
      </p>
      <form class="card" onSubmit={submit}>
        <FileField
          label="Certificate(s)"
          value={file}
          onChange={setFile}
          password={needPassword ? "always" : "auto"}
          placeholder="-----BEGIN CERTIFICATE-----"
          hint="Paste PEM text, or upload any certificate file. Private keys in the file are never sent back."
        />
        <div class="actions">
          <button type="submit" disabled={job.running || !payloadOf(file)}>
            Decode
          </button>
        </div>
      </form>
      <Busy running={job.running} label="Decoding…" onCancel={job.cancel} />
      <ErrorBox error={job.error} />
      {r && (
        <div aria-live="polite">
          <p class="summary">
            {`${certs.length} certificate${certs.length === 1 ? "" : "s"} (${r.container})`}
            {r.keys > 0 ? `, ${r.keys} private key${r.keys === 1 ? "" : "s"} (not shown)` : ""}
            {r.skippedPemBlocks.length ? `; skipped PEM blocks: ${r.skippedPemBlocks.join(", ")}` : ""}
          </p>
          {certs.length > 0 && (
            <div class="actions">
              <button
                type="button"
                class="secondary"
                onClick={() => saveText(r.pem.join(""), "certificates.pem")}
              >
                Download as PEM
              </button>
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  saveText(JSON.stringify(r.document, null, 2), "decode.json", "application/json")
                }
              >
                Download JSON
              </button>
            </div>
          )}
          {certs.length === 0 && <Empty>No certificates.</Empty>}
          {certs.map((c, i) => (
            <CertificateDetails
              key={c.fingerprints.sha256 + String(i)}
              c={c}
              index={i}
              total={certs.length}
              ct={r.transparency[i]}
            >
              {decoded && !c.selfSigned && <RevocationButton file={decoded} index={i} />}
            </CertificateDetails>
          ))}
        </div>
      )}
    </>
  );
}
