/**
 * A minimal Marionette client (Firefox's remote protocol, no geckodriver): Firefox started with
 * `--marionette` listens on 127.0.0.1 at the profile's `marionette.port`; each message is `LENGTH:JSON`,
 * a command `[0, id, name, params]`, its answer `[1, id, error, result]`.
 */

import net from "node:net";

/** The most a single message may be: a page source is the largest thing read. */
const MAX_MESSAGE = 8 * 1024 * 1024;

export interface MarionetteError {
  error: string;
  message: string;
}

export class Marionette {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (v: { error: MarionetteError | null; result: unknown }) => void; reject: (e: Error) => void }
  >();
  private greeting?: (v: unknown) => void;
  private failure?: Error;

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (b) => this.onData(b));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new Error("Marionette closed the connection")));
  }

  /** Connects, retrying while Firefox starts (until `deadlineMs` from now), and reads the greeting. */
  static async connect(port: number, deadlineMs: number): Promise<Marionette> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ host: "127.0.0.1", port }, () => resolve(s));
          s.once("error", reject);
        });
        const m = new Marionette(socket);
        await new Promise((resolve, reject) => {
          m.greeting = resolve;
          setTimeout(() => reject(new Error("no Marionette greeting")), 10_000);
        });
        return m;
      } catch (e) {
        if (Date.now() > end) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString("ascii"));
      if (!Number.isInteger(length) || length < 0 || length > MAX_MESSAGE) {
        this.socket.destroy();
        this.fail(new Error(`bad Marionette message length: ${this.buffer.subarray(0, colon)}`));
        return;
      }
      if (this.buffer.length < colon + 1 + length) return;
      const body = JSON.parse(this.buffer.subarray(colon + 1, colon + 1 + length).toString("utf8"));
      this.buffer = this.buffer.subarray(colon + 1 + length);
      if (Array.isArray(body) && body[0] === 1) {
        const w = this.waiting.get(body[1]);
        this.waiting.delete(body[1]);
        w?.resolve({ error: body[2] ?? null, result: body[3] });
      } else if (this.greeting) {
        this.greeting(body);
        this.greeting = undefined;
      }
    }
  }

  /** Sends a command; resolves with its error (a WebDriver error) or its result. */
  send(name: string, params: object = {}): Promise<{ error: MarionetteError | null; result: unknown }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const json = Buffer.from(JSON.stringify([0, id, name, params]), "utf8");
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.socket.write(`${json.length}:`);
      this.socket.write(json);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
