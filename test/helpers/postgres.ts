/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into a temporary folder, `pg_ctl start`
 * on a free loopback port (its socket in the same folder), a database created, and everything stopped and
 * removed after. As root the binaries refuse to run, so they run as the `postgres` user (`runuser -u
 * postgres`) on folders it owns; as anyone else they run directly.
 *
 * The binaries are looked up on PATH, then under /usr/lib/postgresql/N/bin (Debian's `postgresql`
 * package, which .ci/run installs when they are missing). `postgresBinaries()` is undefined when there are
 * none at all: the only reason a test may skip.
 */

import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** initdb and pg_ctl, or undefined when this machine has no PostgreSQL server binaries. */
export function postgresBinaries(): PostgresBinaries | undefined {
  const initdb = onPath("initdb");
  const pgCtl = onPath("pg_ctl");
  if (initdb && pgCtl) return { initdb, pgCtl };
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  for (const v of readdirSync(base).sort().reverse()) {
    const bin = join(base, v, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl")))
      return { initdb: join(bin, "initdb"), pgCtl: join(bin, "pg_ctl") };
  }
  return undefined;
}

/** Why Postgres tests skip here, or false when they can run. */
export function postgresSkipReason(): string | false {
  return postgresBinaries()
    ? false
    : "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql; .ci/run installs Debian's postgresql";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const isRoot = () => process.getuid?.() === 0;

/** Run a PostgreSQL binary, as `postgres` when we are root. */
function pgRun(bin: string, args: string[]): void {
  const [cmd, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0)
    throw new Error(`${bin} ${args.join(" ")} failed (${r.status}): ${r.stderr || r.stdout || r.error}`);
}

export interface TestPostgres {
  /** postgres://USER:PASSWORD@127.0.0.1:PORT/DB */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  dir: string;
  /** `pg_ctl restart` (the server goes away and comes back on the same port). */
  restart(): void;
  /** Create another database owned by the user; returns its URL. */
  createDatabase(name: string): string;
  stop(): void;
  start(): void;
  /** Stop the server and remove its folder. */
  close(): void;
}

/** Start a throwaway cluster with a password-protected user and a database. */
export async function startPostgres(
  o: {
    database?: string /** ssl=on with this certificate and key (PEM). */;
    ssl?: { cert: string; key: string };
  } = {},
): Promise<TestPostgres> {
  const bins = postgresBinaries();
  if (!bins) throw new Error(postgresSkipReason() as string);
  const dir = mkdtempSync(join(tmpdir(), "cp-pg-"));
  const data = join(dir, "data");
  if (isRoot()) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const port = await freePort();
  const user = "chainproof";
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  const database = o.database ?? "chainproof_test";
  // trust on the socket (to create the role and database), a password on TCP (what the monitor uses).
  pgRun(bins.initdb, [
    "-D",
    data,
    "-U",
    "postgres",
    "-A",
    "trust",
    "--auth-host=scram-sha-256",
    "-E",
    "UTF8",
  ]);
  let opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  if (o.ssl) {
    // The key must belong to the server's user and be private to it, or PostgreSQL refuses to start.
    for (const [name, pem] of [
      ["server.crt", o.ssl.cert],
      ["server.key", o.ssl.key],
    ] as const) {
      writeFileSync(join(dir, name), pem, { mode: 0o600 });
      if (isRoot()) {
        const id = (f: string) => Number(execFileSync("id", [f, "postgres"], { encoding: "utf8" }).trim());
        chownSync(join(dir, name), id("-u"), id("-g"));
      }
    }
    opts += ` -c ssl=on -c ssl_cert_file=${join(dir, "server.crt")} -c ssl_key_file=${join(dir, "server.key")}`;
  }
  const ctl = (...args: string[]) =>
    pgRun(bins.pgCtl, ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "-t", "60", ...args]);
  ctl("start");
  const psql = (sql: string) => {
    const bin = join(bins.initdb, "..", "psql");
    const exe = existsSync(bin) ? bin : (onPath("psql") ?? "psql");
    pgRun(exe, [
      "-h",
      dir,
      "-p",
      String(port),
      "-U",
      "postgres",
      "-d",
      "postgres",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      sql,
    ]);
  };
  psql(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
  psql(`CREATE DATABASE ${database} OWNER ${user}`);
  let running = true;
  return {
    url: `postgres://${user}:${password}@127.0.0.1:${port}/${database}`,
    host: "127.0.0.1",
    port,
    user,
    password,
    database,
    dir,
    restart: () => ctl("restart", "-m", "fast"),
    createDatabase: (name: string) => {
      psql(`CREATE DATABASE ${name} OWNER ${user}`);
      return `postgres://${user}:${password}@127.0.0.1:${port}/${name}`;
    },
    stop: () => {
      ctl("stop", "-m", "fast");
      running = false;
    },
    start: () => {
      ctl("start");
      running = true;
    },
    close: () => {
      try {
        if (running) ctl("stop", "-m", "immediate");
      } finally {
        running = false;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
