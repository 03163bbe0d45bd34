/**
 * Certificates as servers send them, parsed once per process: a scan (./scan.ts) and the own TLS 1.3
 * handshake (./tls13-client.ts) read the same leaf and intermediates again and again (one server's chain behind
 * many names, one CA's intermediate across a fleet), and the parsed Certificate carries its caches (imported
 * key, signature answers, lints) with it.
 */

import { type Certificate, parseCertificate } from "../x509/certificate.js";

/** A small LRU for verdicts: the same chain for the same name (a shared certificate behind many names or ports). */
export class LruCache<V> {
  private map = new Map<string, V>();
  constructor(readonly max = 1000) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  get size(): number {
    return this.map.size;
  }
}

const parsedCache = new LruCache<Certificate | Error>(512);

/** `der` parsed, or the Error parsing gave; equal DER gives the same object while it stays in the cache. */
export function parseCached(der: Uint8Array): Certificate | Error {
  // Keyed by the bytes themselves (base64), so equal DER is parsed once across a scan.
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  let c = parsedCache.get(key);
  if (!c) {
    try {
      c = parseCertificate(der);
    } catch (e) {
      c = e instanceof Error ? e : new Error(String(e));
    }
    if (der.length <= 16 * 1024) parsedCache.set(key, c);
  }
  return c;
}
