/**
 * Coverage feedback from V8's precise block coverage (node:inspector, this thread's isolate): which blocks of
 * the product's code (dist/src) an input reached. Binary mode (callCount false) resets the counts at every
 * take, so each take says what ran since the previous one.
 *
 * V8 lists only the ranges whose count differs from the enclosing range's, so a block is not always named:
 * we learn each function's blocks as they appear (a block shows up the first time a run skips it) and call a
 * known block covered when the innermost listed range around it ran.
 */

import { Session } from "node:inspector";

interface Range {
  startOffset: number;
  endOffset: number;
  count: number;
}

interface ScriptCoverage {
  url: string;
  functions: { functionName: string; ranges: Range[] }[];
}

export class CoverageTracker {
  private readonly session = new Session();
  /** Blocks seen per function ("url@start"), as "start:end". */
  private readonly known = new Map<string, Set<string>>();
  private readonly covered = new Set<string>();

  constructor(private readonly urlPart: string) {
    this.session.connect();
    this.post("Profiler.enable");
    this.post("Profiler.startPreciseCoverage", { callCount: false, detailed: true });
  }

  /** Blocks covered so far. */
  get blocks(): number {
    return this.covered.size;
  }

  /**
   * The blocks reached since the last take that no earlier committed take reached. With `commit`, they are
   * recorded as covered; without, the caller can find out which input of a batch reached them.
   */
  take(commit: boolean): Set<string> {
    const fresh = new Set<string>();
    const result = this.post<{ result: ScriptCoverage[] }>("Profiler.takePreciseCoverage").result;
    for (const script of result) {
      if (!script.url.includes(this.urlPart)) continue;
      for (const fn of script.functions) this.scan(script.url, fn.ranges, fresh);
    }
    if (commit) for (const k of fresh) this.covered.add(k);
    return fresh;
  }

  /** Drop what ran since the last take (the harness's own work between inputs). */
  discard(): void {
    this.post("Profiler.takePreciseCoverage");
  }

  close(): void {
    this.post("Profiler.stopPreciseCoverage");
    this.session.disconnect();
  }

  private scan(url: string, ranges: Range[], fresh: Set<string>): void {
    if (ranges.length === 0) return;
    const fnKey = `${url}@${ranges[0].startOffset}`;
    let blocks = this.known.get(fnKey);
    if (!blocks) {
      blocks = new Set();
      this.known.set(fnKey, blocks);
    }
    for (const r of ranges) blocks.add(`${r.startOffset}:${r.endOffset}`);
    for (const b of blocks) {
      const [s, e] = b.split(":").map(Number);
      let inner: Range | undefined;
      for (const r of ranges) {
        if (r.startOffset <= s && e <= r.endOffset) {
          if (!inner || r.endOffset - r.startOffset <= inner.endOffset - inner.startOffset) inner = r;
        }
      }
      if (inner && inner.count > 0) {
        const key = `${fnKey}:${b}`;
        if (!this.covered.has(key)) fresh.add(key);
      }
    }
  }

  private post<T = unknown>(method: string, params?: object): T {
    let out: T | undefined;
    let error: Error | null = null;
    // Session.post on the thread's own isolate answers synchronously.
    this.session.post(method, params, (err, res) => {
      error = err;
      out = res as T;
    });
    if (error) throw error;
    return out as T;
  }
}
