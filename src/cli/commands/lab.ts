/**
 * `chainproof lab [--port-base N] [--for SECONDS] [--dir DIR] [--json]`: start the lab's endpoints on
 * 127.0.0.1 (src/lab), print them with what each client should make of them, and keep serving until Ctrl-C
 * (or for SECONDS). The lab's roots and intermediates are written to DIR (a temporary folder by default,
 * removed on exit) so other tools — and `chainproof check --roots`, `--intermediates` — can use them.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CLIENT_IDS, CLIENTS, type ClientId } from "../../clients/index.js";
import { type Expectation, expectedFor, type Lab, startLab } from "../../lab/index.js";
import { InputError } from "../../x509/errors.js";
import { toPem } from "../../x509/pem.js";
import { type Style, safeText, styleFor } from "../style.js";

export interface LabCliOptions {
  portBase?: string;
  for?: string;
  dir?: string;
  json?: boolean;
}

export const LAB_SCHEMA = "chainproof/lab";

export function parsePortBase(text: string | undefined, count: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1024 || n + count > 65535) {
    throw new InputError(
      `--port-base ${JSON.stringify(text)}: give a port from 1024 to ${65535 - count} (the lab uses ${count + 1} ports from there)`,
      "usage",
    );
  }
  return n;
}

/** "incomplete-chain; Chrome: trusted" — the declaration in one line. */
export function describeExpectation(e: Expectation, clients: readonly ClientId[] = CLIENT_IDS): string {
  const groups = new Map<string, ClientId[]>();
  for (const c of clients) {
    const v = expectedFor(e, c);
    groups.set(v, [...(groups.get(v) ?? []), c]);
  }
  const main = expectedFor(e, clients.find((c) => !e.except?.[c]) ?? clients[0]);
  const parts = [main === "trusted" ? "all trust it" : `all: ${main}`];
  for (const [v, cs] of groups) {
    if (v === main) continue;
    parts.push(`${cs.map((c) => CLIENTS[c].name).join(", ")}: ${v === "trusted" ? "trusted" : v}`);
  }
  return parts.join("; ");
}

/** Write the lab's roots and CA certificates where other tools can read them. */
export function writeLabFiles(lab: Lab, dir: string): { roots: string; intermediates: string } {
  const roots = join(dir, "lab-roots.pem");
  const inter = join(dir, "intermediates");
  mkdirSync(inter, { recursive: true });
  writeFileSync(
    roots,
    lab.store.anchors.map((a) => `# ${a.cert.subject.toString()}\n${toPem(a.cert.der)}`).join(""),
  );
  for (const [path, c] of lab.pki.served) {
    if (c.built.cert.selfSigned) continue;
    writeFileSync(join(inter, path.replace(/\.der$/, ".pem")), toPem(c.built.der));
  }
  return { roots, intermediates: inter };
}

export async function runLab(opts: LabCliOptions): Promise<number> {
  const { LAB_ENDPOINTS } = await import("../../lab/index.js");
  const portBase = parsePortBase(opts.portBase, LAB_ENDPOINTS.length);
  let forMs: number | undefined;
  if (opts.for !== undefined) {
    const n = Number(opts.for);
    if (!/^\d+(\.\d+)?$/.test(opts.for.trim()) || n <= 0 || n > 86_400)
      throw new InputError(`--for ${JSON.stringify(opts.for)}: give seconds, up to 86400`, "usage");
    forMs = Math.round(n * 1000);
  }
  let lab: Lab;
  try {
    lab = await startLab(portBase !== undefined ? { portBase } : {});
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES")
      throw new InputError(
        `cannot listen on 127.0.0.1${portBase !== undefined ? ` ports ${portBase}–${portBase + LAB_ENDPOINTS.length}` : ""}: ${(e as Error).message}`,
        "cannot-listen",
      );
    throw e;
  }
  const temp = opts.dir === undefined;
  const dir = temp ? mkdtempSync(join(tmpdir(), "chainproof-lab-")) : resolve(opts.dir!);
  if (!temp) mkdirSync(dir, { recursive: true });
  const files = writeLabFiles(lab, dir);

  if (opts.json) {
    process.stdout.write(`${JSON.stringify(labJson(lab, files), null, 2)}\n`);
  } else {
    process.stdout.write(renderLab(lab, files, styleFor(process.stdout), forMs));
  }

  await new Promise<void>((done) => {
    const stop = () => done();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (forMs !== undefined) setTimeout(stop, forMs).unref();
    // Keep the process alive while the servers run (they keep the event loop busy anyway).
  });
  await lab.close();
  if (temp) rmSync(dir, { recursive: true, force: true });
  if (!opts.json) process.stderr.write("chainproof lab: stopped\n");
  return 0;
}

export function labJson(lab: Lab, files: { roots: string; intermediates: string }) {
  return {
    schema: LAB_SCHEMA,
    version: 1,
    address: lab.address,
    http: lab.http,
    files,
    store: { name: lab.store.name, roots: lab.store.anchors.map((a) => a.cert.subject.toString()) },
    endpoints: lab.endpoints.map((e) => ({
      name: e.spec.name,
      host: e.host,
      port: e.port,
      title: e.spec.title,
      expect: Object.fromEntries(CLIENT_IDS.map((c) => [c, expectedFor(e.spec.expect, c)])),
      findings: e.spec.expect.findings ?? [],
      ...(e.spec.note ? { note: e.spec.note } : {}),
      chain: e.chain.map((c) => ({ subject: c.cert.subject.toString(), sha256: c.cert.sha256 })),
    })),
  };
}

function renderLab(
  lab: Lab,
  files: { roots: string; intermediates: string },
  style: Style,
  forMs: number | undefined,
): string {
  const t = safeText;
  const lines: string[] = [];
  lines.push(
    style.bold(`chainproof lab: ${lab.endpoints.length} endpoints on ${lab.address}`),
    style.dim(
      `AIA server ${lab.http.base}/  ·  lab roots ${files.roots}  ·  intermediates ${files.intermediates}/`,
    ),
    "",
  );
  const w = Math.max(...lab.endpoints.map((e) => e.spec.name.length));
  for (const e of lab.endpoints) {
    lines.push(`${style.bold(e.spec.name.padEnd(w))}  ${String(e.port).padStart(5)}  ${t(e.spec.title)}`);
    lines.push(`${" ".repeat(w + 9)}${style.dim(`expected: ${describeExpectation(e.spec.expect)}`)}`);
    if (e.spec.note) lines.push(`${" ".repeat(w + 9)}${style.dim(`note: ${e.spec.note}`)}`);
  }
  const first = lab.endpoints[0];
  lines.push(
    "",
    "Each endpoint sends its name as SNI and its certificate is for <name>.lab.chainproof.test. Try:",
    first
      ? `  chainproof check ${first.host}:${first.port} --connect-to ${lab.address} --roots ${files.roots} --client all`
      : "",
    `  chainproof check incomplete.lab.chainproof.test:PORT --connect-to ${lab.address} --roots ${files.roots} --fix --intermediates ${files.intermediates}`,
    `  openssl s_client -connect ${lab.address}:PORT -servername NAME.lab.chainproof.test -CAfile ${files.roots}`,
    "",
    style.dim(
      "Outside `chainproof demo` the lab's distrust rule is unknown to check, and AIA fetches to 127.0.0.1 are refused (use --intermediates).",
    ),
    forMs !== undefined ? `Serving for ${forMs / 1000} s.` : "Serving until Ctrl-C.",
  );
  return `${lines.join("\n")}\n`;
}
