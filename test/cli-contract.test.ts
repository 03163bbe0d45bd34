/**
 * One CLI contract (issue 21, docs/cli.md): every command and subcommand, taken from the commander program
 * itself so a command added later is covered without editing this file, fails the same way: exit 2 for bad
 * input or usage (3 for an environment problem), one line on stderr without a stack trace, and with --json
 * exactly one JSON document on stdout, valid against docs/schemas/error.schema.json. Hints are followed.
 * Colour follows --color, FORCE_COLOR and NO_COLOR; completions and the man page come from the same tree.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { currentManPage, MAN_PAGE } from "../scripts/gen-man.js";
import { allCommands, type CommandNode, commandTree } from "../src/cli/commands/completion.js";
import { buildProgram } from "../src/cli/main.js";
import { toPem } from "../src/x509/pem.js";
import { writeJks } from "../src/x509/write/jks.js";
import { writePkcs12 } from "../src/x509/write/pkcs12.js";
import { type CliResult, havePty, ROOT, runCli, runCliInPty } from "./helpers/cli.js";
import { tempDir, writeIn } from "./helpers/openssl.js";
import * as pki from "./helpers/pki.js";
import { postgresSkipReason, startPostgres } from "./helpers/postgres.js";

const { dir, cleanup } = tempDir("chainproof-contract-");
after(cleanup);
/** A keystore, a monitor database and a home of our own: nothing of the user's is read or written. */
const ENV = {
  CHAINPROOF_HOME: join(dir, "home"),
  XDG_DATA_HOME: join(dir, "data"),
  HOME: join(dir, "home"),
};
const MISSING = join(dir, "no-such-file.pem");

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateError = ajv.compile(
  JSON.parse(readFileSync(join(ROOT, "docs", "schemas", "error.schema.json"), "utf8")),
);

const USAGE_CODES = new Set([
  "unknown-command",
  "unknown-option",
  "missing-argument",
  "missing-option",
  "missing-option-value",
  "invalid-argument",
  "too-many-arguments",
  "conflicting-options",
  "missing-command",
  "usage",
]);

const tree = commandTree(await buildProgram());
const commands = allCommands(tree).filter((n) => n.path.length > 0);

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { env: { ...ENV, ...env }, timeoutMs: 60_000 });
}

/** What every failure must look like, with and without --json; returns the error object. */
function assertFailure(
  r: CliResult,
  json: boolean,
  exit = 2,
): { code: string; message: string; hint?: string } {
  const what = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  assert.equal(r.code, exit, what);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack trace: ${what}`);
  const lines = r.stderr.trimEnd().split("\n");
  const last = lines[lines.length - 1];
  assert.match(last, /^chainproof: \S/, what);
  assert.equal(lines.filter((l) => l.startsWith("chainproof: ")).length, 1, `one error line: ${what}`);
  if (!json) {
    assert.equal(r.stdout, "", `nothing on stdout: ${what}`);
    return { code: "", message: last.slice("chainproof: ".length) };
  }
  const doc = JSON.parse(r.stdout); // throws on no document, or on two
  assert.ok(validateError(doc), `${JSON.stringify(validateError.errors)}: ${what}`);
  const { error } = doc as { error: { code: string; message: string; hint?: string } };
  assert.equal(last, `chainproof: ${error.message}${error.hint ? ` — ${error.hint}` : ""}`);
  return error;
}

/** Bad input any command can be given: an option it does not have, its arguments left out, missing files. */
function badCommandLines(node: CommandNode): { args: string[]; codes?: Set<string> }[] {
  const cases: { args: string[]; codes?: Set<string> }[] = [
    { args: [...node.path, "--no-such-option"], codes: USAGE_CODES },
  ];
  // With --json, which a command of commands does not take, the unknown option is what is reported.
  if (node.subcommands.length) {
    cases.push({ args: node.path, codes: new Set(["missing-command", "unknown-option"]) });
  }
  if (node.arguments.some((a) => a.required)) {
    cases.push({ args: node.path, codes: USAGE_CODES });
    cases.push({ args: [...node.path, ...node.arguments.filter((a) => a.required).map(() => MISSING)] });
  }
  return cases;
}

/** Runs `jobs` two at a time (the machine is shared). */
async function inPairs<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += 2)
    out.push(...(await Promise.all(jobs.slice(i, i + 2).map((j) => j()))));
  return out;
}

describe("every command fails the same way", () => {
  it("the program has the commands the docs name, and more are covered as they come", () => {
    const names = commands.map((c) => c.path.join(" "));
    for (const n of ["decode", "verify", "check", "roots list", "saml verify", "keys list", "completion"]) {
      assert.ok(names.includes(n), n);
    }
  });

  for (const node of commands) {
    const name = node.path.join(" ");
    it(`${name}: bad input exits 2 with one stderr line; --json prints one error document`, async () => {
      const runs = badCommandLines(node).flatMap(({ args, codes }) =>
        [false, true].map((json) => async () => {
          const r = await cli(json ? [...args, "--json"] : args);
          const error = assertFailure(r, json);
          if (json && codes) assert.ok(codes.has(error.code), `${args.join(" ")}: ${error.code}`);
          return r;
        }),
      );
      await inPairs(runs);
    });
  }

  it("action-level bad input: each command's own checks go through the same boundary", async () => {
    const cases: [string[], string][] = [
      [["verify"], "usage"],
      [["verify", "--chain", MISSING], "cannot-read"],
      [["decode", MISSING], "cannot-read"],
      [["monitor", "--once"], "usage"],
      [["worker", "--db", "/tmp/not-postgres"], "usage"],
      [["serve", "--port", "x"], "usage"],
      [["lab", "--for", "-1"], "usage"],
      [["roots", "list", "--store", "nosuch"], "bad-store"],
      [["roots", "export"], "usage"],
      [["alerts", "--db", MISSING], "bad-db"],
      [["scan", MISSING], "cannot-read"],
      [["completion", "tcsh"], "invalid-argument"],
    ];
    await inPairs(
      cases.flatMap(([args, code]) =>
        [false, true].map((json) => async () => {
          const error = assertFailure(await cli(json ? [...args, "--json"] : args), json);
          // A command without --json reports it as an unknown option: still one error document.
          const takesJson = commands.some(
            (c) => args.join(" ").startsWith(c.path.join(" ")) && c.options.some((o) => o.long === "--json"),
          );
          if (json) assert.equal(error.code, takesJson ? code : "unknown-option", args.join(" "));
        }),
      ),
    );
  });

  it("decode of a container without certificates: exit 2 and an error, like a PEM without certificates", async () => {
    const emptyJks = writeIn(dir, "empty.jks", writeJks([], "changeit"));
    const noCerts = writeIn(dir, "key.pem", "-----BEGIN NOTHING-----\nAAAA\n-----END NOTHING-----\n");
    for (const file of [emptyJks, noCerts]) {
      const text = await cli(["decode", file, "--password-env", "PW"], { PW: "changeit" });
      assert.match(assertFailure(text, false).message, /holds no certificate|no certificate/);
      const json = await cli(["decode", "--json", file, "--password-env", "PW"], { PW: "changeit" });
      assert.match(assertFailure(json, true).code, /^no-certificates$/);
    }
  });
});

describe("unknown commands and options", () => {
  it("chainproof nosuch --help: an unknown command, exit 2, not the top-level help", async () => {
    for (const args of [["nosuch", "--help"], ["nosuch"], ["help", "nosuch"]]) {
      const r = await cli(args);
      const { message } = assertFailure(r, false);
      assert.match(message, /unknown command 'nosuch' \(the commands: decode, showcerts, verify, .*keys\)/);
      assert.doesNotMatch(r.stdout, /Usage:/);
    }
  });

  it("a near miss names the closest command or option, and the help it points to exists", async () => {
    const sub = assertFailure(await cli(["roots", "lst", "--json"]), true);
    assert.equal(sub.code, "unknown-command");
    assert.match(sub.message, /unknown command 'lst' \(did you mean list\?\)/);
    const top = assertFailure(await cli(["verfy", "--chain", MISSING]), false);
    assert.match(top.message, /did you mean verify\?/);
    const option = assertFailure(await cli(["verify", "--chian", MISSING, "--json"]), true);
    assert.equal(option.code, "unknown-option");
    assert.match(option.message, /unknown option '--chian' \(did you mean --chain\?\)/);
    // The hint is a command line: run it.
    assert.equal(option.hint, "see chainproof verify --help");
    const help = await cli(["verify", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: chainproof verify/);
    assert.equal(sub.hint, "see chainproof roots --help");
    const rootsHelp = await cli(["roots", "--help"]);
    assert.equal(rootsHelp.code, 0);
    assert.match(rootsHelp.stdout, /\n {2}list \[options\]/);
  });

  it("a command that needs a subcommand names them", async () => {
    const r = await cli(["roots"]);
    const error = assertFailure(r, false);
    assert.equal(
      error.message,
      "chainproof roots needs a command: list, show, import, export, diff, request — see chainproof roots --help",
    );
    assert.match(r.stderr, /^Usage: chainproof roots/, "and its help, on stderr");
  });
});

describe("hints that work when followed", () => {
  const { root, ica, leaf } = pki.chain3({ host: "contract.example" });
  const chain = writeIn(dir, "chain.pem", toPem(leaf.der) + toPem(ica.der));
  const store = writeIn(
    dir,
    "store.p12",
    writePkcs12({ trusted: [{ certificate: root.der }] }, "store secret", {
      iterations: 1,
      macIterations: 1,
    }),
  );

  it("a password-protected trust store: the hint names --store-password-env, and following it works", async () => {
    const args = ["verify", "--chain", chain, "--host", "contract.example", "--store", store, "--json"];
    const error = assertFailure(await cli(args), true);
    assert.equal(error.code, "store-needs-password");
    assert.match(error.hint ?? "", /--store-password-env VAR/);
    // The old hint (--password-env, the chain's option) does not open a store:
    assertFailure(await cli([...args, "--password-env", "PW"], { PW: "store secret" }), true);
    const followed = await cli([...args, "--store-password-env", "PW"], { PW: "store secret" });
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(JSON.parse(followed.stdout).trusted, true);
  });

  it("an unreachable PostgreSQL: exit 3, the database named, the fix given", async () => {
    const db = "postgres://u:secret@127.0.0.1:1/monitor";
    const error = assertFailure(await cli(["history", "x", "--db", db, "--json"]), true, 3);
    assert.equal(error.code, "db-unreachable");
    assert.match(error.message, /127\.0\.0\.1:1/);
    assert.doesNotMatch(error.message, /secret/);
    assert.equal(error.hint, "start the database, or correct the host and port in --db");
  });

  it("a PostgreSQL that is down: exit 3; started again, as the hint says, the same command works", {
    skip: postgresSkipReason(),
  }, async () => {
    const pg = await startPostgres();
    try {
      pg.stop();
      const down = assertFailure(await cli(["alerts", "--db", pg.url, "--json"]), true, 3);
      assert.equal(down.code, "db-unreachable");
      assert.match(down.hint ?? "", /^start the database/);
      pg.start();
      // Up again, the monitor runs a round into it (a target that refuses: a probe failed, exit 1)…
      const targets = writeIn(dir, "targets.txt", "127.0.0.1:1\n");
      const round = await cli(["monitor", "--once", "--targets", targets, "--db", pg.url, "--workers", "0"]);
      assert.equal(round.code, 1, round.stderr);
      // …and the command that failed works.
      const up = await cli(["alerts", "--db", pg.url, "--json"]);
      assert.equal(up.code, 0, up.stderr);
      assert.ok(Array.isArray(JSON.parse(up.stdout).alerts));
    } finally {
      pg.close();
    }
  });

  it("the SQLite binding not built: exit 3 (not 70), and the npm rebuild that fixes it", async () => {
    // An install whose native build never ran: better-sqlite3's JavaScript without build/, loaded instead
    // of the real one through a resolve hook. The real `bindings` package then fails as users see it.
    const modules = join(dir, "unbuilt", "node_modules");
    mkdirSync(join(modules, "better-sqlite3"), { recursive: true });
    for (const part of ["package.json", "lib"]) {
      cpSync(join(ROOT, "node_modules", "better-sqlite3", part), join(modules, "better-sqlite3", part), {
        recursive: true,
      });
    }
    for (const dep of ["bindings", "file-uri-to-path"]) {
      symlinkSync(join(ROOT, "node_modules", dep), join(modules, dep));
    }
    const target = pathToFileURL(join(modules, "better-sqlite3", "lib", "index.js")).href;
    const hooks = writeIn(
      dir,
      "unbuilt-hooks.mjs",
      `export async function resolve(spec, context, next) {
  return spec === "better-sqlite3" ? { url: ${JSON.stringify(target)}, shortCircuit: true } : next(spec, context);
}\n`,
    );
    const register = writeIn(
      dir,
      "unbuilt-register.mjs",
      // The bundle loads packages with require, which the hooks do not see: redirected here too.
      `import Module, { register } from "node:module";
register(${JSON.stringify(pathToFileURL(hooks).href)});
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "better-sqlite3" ? ${JSON.stringify(fileURLToPath(target))} : resolve.call(this, request, ...rest);
};
`,
    );
    const env = {
      NODE_OPTIONS: `--import=${pathToFileURL(register).href}`,
      CHAINPROOF_KEYSTORE_PASSPHRASE: "x",
    };
    for (const json of [false, true]) {
      const r = await cli(["keys", "list", ...(json ? ["--json"] : [])], env);
      const error = assertFailure(r, json, 3);
      assert.doesNotMatch(r.stderr, /internal error/);
      if (json) {
        assert.equal(error.code, "native-module-missing");
        assert.match(error.message, /the native module of better-sqlite3 is not built for this Node\.js/);
        assert.equal(error.hint, `npm rebuild better-sqlite3 (in ${join(dir, "unbuilt")})`);
      }
    }
  });
});

describe("colour: --color, FORCE_COLOR, NO_COLOR", () => {
  const { root, ica, leaf } = pki.chain3({ host: "colour.example" });
  const chain = writeIn(dir, "colour-chain.pem", toPem(leaf.der) + toPem(ica.der));
  const roots = writeIn(dir, "colour-root.pem", toPem(root.der));
  const args = ["verify", "--chain", chain, "--roots", roots, "--host", "colour.example"];
  const GREEN = "\u001b[32m";

  it("into a pipe: plain unless FORCE_COLOR (not 0 or false) or --color always", async () => {
    const cases: [string[], Record<string, string>, boolean][] = [
      [[], {}, false],
      [[], { FORCE_COLOR: "1" }, true],
      [[], { FORCE_COLOR: "3" }, true],
      [[], { FORCE_COLOR: "" }, true],
      [[], { FORCE_COLOR: "0" }, false],
      [[], { FORCE_COLOR: "false" }, false],
      [[], { FORCE_COLOR: "1", NO_COLOR: "1" }, true],
      [["--color", "always"], {}, true],
      [["--color=always"], { NO_COLOR: "1" }, true],
      [["--color"], {}, true],
      [["--color", "never"], { FORCE_COLOR: "1" }, false],
      [["--no-color"], { FORCE_COLOR: "2" }, false],
    ];
    for (const [flags, env, coloured] of cases) {
      const r = await cli([...args, ...flags], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.includes(GREEN), coloured, `${flags.join(" ")} ${JSON.stringify(env)}`);
    }
  });

  it("on a terminal: colour unless NO_COLOR, FORCE_COLOR=0 or --color never", {
    skip: !havePty(),
  }, async () => {
    const cases: [string[], Record<string, string>, boolean][] = [
      [[], {}, true],
      [[], { NO_COLOR: "1" }, false],
      [[], { FORCE_COLOR: "0" }, false],
      [["--color=never"], {}, false],
      [["--color", "auto"], {}, true],
    ];
    for (const [flags, env, coloured] of cases) {
      const r = await runCliInPty([...args, ...flags], [], { env: { ...ENV, ...env } });
      assert.equal(r.code, 0, r.screen);
      assert.equal(r.screen.includes(GREEN), coloured, `${flags.join(" ")} ${JSON.stringify(env)}`);
    }
  });

  it("JSON is never coloured", async () => {
    const r = await cli([...args, "--json", "--color=always"]);
    assert.equal(r.code, 0);
    assert.doesNotMatch(r.stdout, /\u001b\[/);
    assert.equal(JSON.parse(r.stdout).trusted, true);
  });
});

describe("completions and the man page come from the command definitions", () => {
  it("bash completes commands, subcommands, options and option values, as bash runs it", async () => {
    const script = writeIn(dir, "chainproof.bash", (await cli(["completion", "bash"])).stdout);
    const complete = (...words: string[]): string[] => {
      const line = words.map((w) => `'${w}'`).join(" ");
      const r = spawnSync(
        "bash",
        [
          "-c",
          `source '${script}'; COMP_WORDS=(chainproof ${line}); COMP_CWORD=${words.length}; _chainproof; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: "utf8", cwd: dir },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split("\n").filter(Boolean).sort();
    };
    assert.deepEqual(complete("ro"), ["roots"]);
    assert.deepEqual(complete("roots", "l"), ["list"]);
    assert.deepEqual(complete("keys", "l"), ["list"]);
    assert.deepEqual(complete("verify", "--ch"), ["--chain"]);
    assert.deepEqual(complete("verify", "--purpose", ""), ["client", "server"]);
    assert.deepEqual(complete("--color", ""), ["always", "auto", "never"]);
    assert.deepEqual(complete("verify", "--chain", "colour-ch"), ["colour-chain.pem"]);
    // Every command and every long option of the tree is in the script.
    const text = readFileSync(script, "utf8");
    for (const node of commands) {
      for (const o of node.options) if (o.long) assert.ok(text.includes(o.long), `${node.path} ${o.long}`);
    }
  });

  const haveShell = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0;

  it("fish completes the same, as fish runs it", { skip: !haveShell("fish") && "no fish" }, async () => {
    const script = writeIn(dir, "chainproof.fish", (await cli(["completion", "fish"])).stdout);
    const complete = (line: string): string[] => {
      const r = spawnSync("fish", ["-c", `source '${script}'; complete -C '${line}'`], {
        encoding: "utf8",
        cwd: dir,
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("\t")[0])
        .sort();
    };
    assert.deepEqual(complete("chainproof ro"), ["roots"]);
    assert.deepEqual(complete("chainproof roots l"), ["list"]);
    assert.deepEqual(complete("chainproof verify --ch"), ["--chain"]);
    assert.deepEqual(complete("chainproof verify --purpose "), ["client", "server"]);
    assert.deepEqual(complete("chainproof verify --chain colour-ch"), ["colour-chain.pem"]);
  });

  it("the zsh script is valid zsh", { skip: !haveShell("zsh") && "no zsh" }, async () => {
    const script = writeIn(dir, "_chainproof", (await cli(["completion", "zsh"])).stdout);
    const r = spawnSync("zsh", ["-n", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });

  it("zsh and fish scripts name every command and option", async () => {
    for (const shell of ["zsh", "fish"]) {
      const r = await cli(["completion", shell]);
      assert.equal(r.code, 0);
      for (const node of commands) {
        assert.ok(r.stdout.includes(node.path.at(-1) ?? ""), `${shell}: ${node.path.join(" ")}`);
        for (const o of node.options) {
          if (o.long) assert.ok(r.stdout.includes(shell === "fish" ? `-l ${o.long.slice(2)}` : o.long));
        }
      }
    }
    assert.match((await cli(["completion", "zsh"])).stdout, /^#compdef chainproof\n/);
  });

  it("docs/chainproof.1 is what scripts/gen-man.ts prints today (run it after changing a command)", async () => {
    assert.equal(
      readFileSync(MAN_PAGE, "utf8"),
      await currentManPage(),
      "docs/chainproof.1 is stale: npm run build && node dist/scripts/gen-man.js",
    );
    const man = spawnSync("man", ["-l", MAN_PAGE], {
      encoding: "utf8",
      env: { ...process.env, MANWIDTH: "100" },
    });
    if (man.status === 0) {
      for (const node of commands)
        assert.match(man.stdout, new RegExp(`chainproof ${node.path.join(" ")}\\b`));
      assert.match(man.stdout, /EXIT STATUS/);
    }
  });
});
