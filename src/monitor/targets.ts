/**
 * The monitor's target list: the scan list format (`host[:port] [sni]` or CSV `host,port,sni`, read by
 * src/net/scan.ts parseTargetLine) with optional `key=value` settings after it on the same line:
 *
 *   payments.example.com:443  clients=salesforce,java interval=15m store=mozilla label.team=payments
 *
 * A line that cannot be read is that line's error (an InvalidTarget); the other lines are still monitored.
 */

import { resolveClients } from "../clients/index.js";
import { parseTargetLine } from "../net/scan.js";
import { InputError } from "../x509/errors.js";
import { parseDuration } from "./duration.js";

/** The longest list read (bytes) and the most targets in it: a list past either is refused whole. */
export const MAX_LIST_BYTES = 4 * 1024 * 1024;
export const MAX_TARGETS = 100_000;
const MAX_LINE_CHARS = 8192;
const MAX_LABELS = 32;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const MAX_LABEL_VALUE = 256;
const MAX_STORE_SPEC = 1024;
/** A target is checked at most this often, and at least once in this long. */
const MIN_INTERVAL_MS = 10_000;
const MAX_INTERVAL_MS = 30 * 86_400_000;

export interface MonitorTarget {
  /** 1-based line in the list. */
  line: number;
  /** The identity the history is kept under: `host:port`, then ` sni` when one is given. */
  key: string;
  host: string;
  port: number;
  servername?: string;
  /** Client ids, when the line names them (else the monitor's default). */
  clients?: string[];
  /** How often to check, when the line says (else the monitor's --interval). */
  intervalMs?: number;
  /** A trust store spec (as `--store` takes), when the line names one. */
  store?: string;
  labels: Record<string, string>;
}

export interface InvalidTarget {
  line: number;
  /** The line as written (cut at 200 characters): what its history is kept under. */
  key: string;
  error: string;
}

export interface TargetList {
  targets: MonitorTarget[];
  invalid: InvalidTarget[];
}

/** The identity of a target in the history. */
export function targetKey(host: string, port: number, servername?: string): string {
  const h = host.includes(":") ? `[${host}]` : host;
  return servername ? `${h}:${port} ${servername}` : `${h}:${port}`;
}

/** Read a whole list (its text). Throws InputError only for a list too large to read. */
export function parseTargetList(text: string): TargetList {
  if (Buffer.byteLength(text) > MAX_LIST_BYTES)
    throw new InputError(`the target list is larger than ${MAX_LIST_BYTES} bytes`, "limit-exceeded");
  const out: TargetList = { targets: [], invalid: [] };
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let t: MonitorTarget | null;
    try {
      t = parseMonitorLine(lines[i], line);
    } catch (e) {
      const key = lines[i].trim().slice(0, 200);
      out.invalid.push({ line, key: key || `line ${line}`, error: (e as Error).message });
      continue;
    }
    if (!t) continue;
    const first = seen.get(t.key);
    if (first !== undefined) {
      out.invalid.push({
        line,
        key: lines[i].trim().slice(0, 200),
        error: `line ${line}: ${t.key} is already listed on line ${first}`,
      });
      continue;
    }
    seen.set(t.key, line);
    out.targets.push(t);
    if (out.targets.length > MAX_TARGETS)
      throw new InputError(`the target list has more than ${MAX_TARGETS} targets`, "limit-exceeded");
  }
  return out;
}

/**
 * One line: null for a blank line or a comment; throws InputError (message starting `line N:`) for a line
 * that names no usable target or has a bad setting.
 */
export function parseMonitorLine(raw: string, line: number): MonitorTarget | null {
  const where = (msg: string) => new InputError(`line ${line}: ${msg}`, "bad-target");
  if (raw.length > MAX_LINE_CHARS) throw where(`longer than ${MAX_LINE_CHARS} characters`);
  const text = raw
    .replace(/^\uFEFF/, "")
    .replace(/(^|\s)#.*$/, "")
    .trim();
  if (!text) return null;
  const words = text.split(/\s+/);
  const settings = words.filter((w) => /^[A-Za-z][A-Za-z0-9_.-]*=/.test(w));
  const address = words.filter((w) => !settings.includes(w)).join(" ");
  if (!address) throw where("no host before the settings");
  const parsed = parseTargetLine(address, line);
  if (!parsed) throw where("no host before the settings");
  const t: MonitorTarget = {
    line,
    key: targetKey(parsed.host, parsed.port, parsed.servername),
    host: parsed.host,
    port: parsed.port,
    ...(parsed.servername ? { servername: parsed.servername } : {}),
    labels: {},
  };
  for (const s of settings) applySetting(t, s, where);
  return t;
}

function applySetting(t: MonitorTarget, setting: string, where: (m: string) => InputError): void {
  const eq = setting.indexOf("=");
  const name = setting.slice(0, eq);
  const value = setting.slice(eq + 1);
  if (!value) throw where(`${name}= needs a value`);
  if (name.startsWith("label.")) {
    const label = name.slice("label.".length);
    if (!LABEL_NAME.test(label)) throw where(`label name "${label.slice(0, 80)}": letters, digits, _ . -`);
    if (value.length > MAX_LABEL_VALUE) throw where(`label.${label} is longer than ${MAX_LABEL_VALUE}`);
    if (Object.keys(t.labels).length >= MAX_LABELS) throw where(`more than ${MAX_LABELS} labels`);
    t.labels[label] = value;
    return;
  }
  switch (name) {
    case "clients":
    case "client":
      try {
        t.clients = resolveClients(value);
      } catch (e) {
        throw where((e as Error).message);
      }
      return;
    case "interval": {
      let ms: number;
      try {
        ms = parseDuration(value, `interval=${value}`);
      } catch (e) {
        throw where((e as Error).message);
      }
      if (ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) throw where(`interval=${value}: from 10s to 30d`);
      t.intervalMs = ms;
      return;
    }
    case "store":
      if (value.length > MAX_STORE_SPEC) throw where(`store= is longer than ${MAX_STORE_SPEC}`);
      t.store = value;
      return;
    default:
      throw where(`unknown setting "${name.slice(0, 80)}" (clients=, interval=, store=, label.NAME=)`);
  }
}
