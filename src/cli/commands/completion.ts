/**
 * `chainproof completion bash|zsh|fish`: a shell completion script generated from the commander tree, so
 * every command, subcommand and option (a new one too) completes without a hand-kept list. docs/cli.md says
 * how to install it. scripts/gen-man.ts reads the same tree through `commandTree` for the man page.
 */

import type { Command, Option } from "commander";
import { InputError } from "../../x509/errors.js";

/** One command of the tree, as completion and the man page need it. */
export interface CommandNode {
  /** The command words from the program down: [] for the program, ["roots", "list"]. */
  path: string[];
  description: string;
  /** `[options] <file>`, as commander prints it in the usage line. */
  usage: string;
  arguments: { name: string; required: boolean; variadic: boolean; description: string }[];
  options: OptionNode[];
  subcommands: CommandNode[];
}

export interface OptionNode {
  /** "--chain <FILE>", "-V, --version". */
  flags: string;
  long?: string;
  description: string;
  defaultValue?: string;
  /** What its value is: none (a switch), file or dir (complete paths), a fixed list of words, or any text. */
  value: { kind: "none" | "file" | "dir" | "any" } | { kind: "words"; words: string[] };
}

/** The `case` subject of the value function: "PATH --option", or "--option" at the top. */
const SHELL_PATH_AND_OPTION = "$" + "{1:+$1 }$2";

const FILE_VALUES = /^(FILE|CERTFILE|PATH|CERT)$/;
const DIR_VALUES = /^DIR$/;

/** The tree under `command`, hidden options and the implicit `help` command left out. */
export function commandTree(command: Command, path: string[] = []): CommandNode {
  const help = command.createHelp();
  return {
    path,
    description: command.description(),
    usage: command.usage(),
    arguments: command.registeredArguments.map((a) => ({
      name: a.name(),
      required: a.required,
      variadic: a.variadic,
      description: a.description,
    })),
    options: help.visibleOptions(command).map(optionNode),
    // Hidden commands left out; `help CMD` is commander's own, not one of ours.
    subcommands: help
      .visibleCommands(command)
      .filter((c) => c.name() !== "help")
      .map((c) => commandTree(c, [...path, c.name()])),
  };
}

function optionNode(o: Option): OptionNode {
  const valueName = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1];
  let value: OptionNode["value"] = { kind: "none" };
  if (o.argChoices?.length) value = { kind: "words", words: [...o.argChoices] };
  else if (valueName?.includes("|")) value = { kind: "words", words: valueName.split("|") };
  else if (valueName && FILE_VALUES.test(valueName)) value = { kind: "file" };
  else if (valueName && DIR_VALUES.test(valueName)) value = { kind: "dir" };
  else if (valueName) value = { kind: "any" };
  return {
    flags: o.flags,
    ...(o.long ? { long: o.long } : {}),
    description: o.description,
    ...(typeof o.defaultValue === "string" ? { defaultValue: o.defaultValue } : {}),
    value,
  };
}

/** Every command of the tree, the program first, parents before their subcommands. */
export function allCommands(node: CommandNode): CommandNode[] {
  return [node, ...node.subcommands.flatMap(allCommands)];
}

export const SHELLS = ["bash", "zsh", "fish"] as const;

export function runCompletion(program: Command, shell: string): number {
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new InputError(`completion ${JSON.stringify(shell)}: choose bash, zsh or fish`, "invalid-argument");
  }
  const tree = commandTree(program);
  const name = program.name();
  process.stdout.write(shell === "fish" ? fishScript(name, tree) : posixScript(name, tree, shell));
  return 0;
}

/** A word list for a shell's single-quoted string (no quote, no newline in our names and flags). */
const words = (list: readonly string[]): string => list.join(" ").replace(/'/g, "");
const key = (n: CommandNode): string => n.path.join(" ");

/**
 * The functions bash and zsh share (the same `case` syntax): a path's subcommands and long options, and what
 * an option's value is ("@file", "@dir", "@any" or the words).
 */
function pathFunctions(prefix: string, tree: CommandNode): string {
  const nodes = allCommands(tree);
  const subs = nodes
    .filter((n) => n.subcommands.length)
    .map((n) => `    '${key(n)}') echo '${words(n.subcommands.map((s) => s.path.at(-1) ?? ""))}' ;;`);
  const opts = nodes.map(
    (n) => `    '${key(n)}') echo '${words(n.options.flatMap((o) => (o.long ? [o.long] : [])))}' ;;`,
  );
  const values = nodes.flatMap((n) =>
    n.options
      .filter((o) => o.long && o.value.kind !== "none")
      .map((o) => {
        const v = o.value.kind === "words" ? words(o.value.words) : `@${o.value.kind}`;
        return `    '${[...n.path, o.long].join(" ")}') echo '${v}' ;;`;
      }),
  );
  const fn = (name: string, body: string[], arg: string) =>
    `${prefix}_${name}() {\n  case "${arg}" in\n${body.join("\n")}\n  esac\n}\n`;
  return [
    fn("subcommands", subs, "$1"),
    fn("options", opts, "$1"),
    fn("value", values, SHELL_PATH_AND_OPTION),
  ].join("\n");
}

/**
 * The command path of the words before the cursor: command words are followed down the tree, options and
 * their values skipped. Shared by bash and zsh (arrays differ: the caller passes the words).
 */
function pathWalker(prefix: string): string {
  return `${prefix}_path() {
  local path="" skip=0 w
  for w in "$@"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case "$w" in
      --*=*) continue ;;
      -*) [ -n "$(${prefix}_value "$path" "$w")" ] && skip=1; continue ;;
    esac
    case " $(${prefix}_subcommands "$path") " in
      *" $w "*) path="\${path:+$path }$w" ;;
    esac
  done
  printf '%s' "$path"
}
`;
}

function posixScript(program: string, tree: CommandNode, shell: string): string {
  const p = `_${program.replace(/\W/g, "_")}`;
  const head = `# ${program} completion for ${shell}, generated by \`${program} completion ${shell}\` from its commands.\n`;
  const shared = `${pathFunctions(p, tree)}\n${pathWalker(p)}`;
  if (shell === "bash") {
    return `${head}# Install: ${program} completion bash > ~/.local/share/bash-completion/completions/${program}

${shared}
${p}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path values
  path="$(${p}_path "\${COMP_WORDS[@]:1:COMP_CWORD-1}")"
  values="$(${p}_value "$path" "$prev")"
  COMPREPLY=()
  case "$values" in
    @file) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    @dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
    @any) return ;;
    ?*) mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur"); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(${p}_options "$path")" -- "$cur")
  elif [ -n "$(${p}_subcommands "$path")" ]; then
    mapfile -t COMPREPLY < <(compgen -W "$(${p}_subcommands "$path")" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}
complete -o filenames -F ${p} ${program}
`;
  }
  return `#compdef ${program}
${head}# Install: ${program} completion zsh > "\${fpath[1]}/_${program}" (or any folder on $fpath), then compinit

${shared}
${p}() {
  local path values
  path="$(${p}_path "\${(@)words[2,CURRENT-1]}")"
  values="$(${p}_value "$path" "\${words[CURRENT-1]}")"
  case "$values" in
    @file) _files; return ;;
    @dir) _files -/; return ;;
    @any) _message 'value'; return ;;
    ?*) compadd -- \${=values}; return ;;
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    compadd -- \${=$(${p}_options "$path")}
  elif [[ -n "$(${p}_subcommands "$path")" ]]; then
    compadd -- \${=$(${p}_subcommands "$path")}
  else
    _files
  fi
}
${p} "$@"
`;
}

/** fish: one `complete` line per subcommand and option, conditioned on the command words already typed. */
function fishScript(program: string, tree: CommandNode): string {
  const q = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  const lines = [
    `# ${program} completion for fish, generated by \`${program} completion fish\` from its commands.`,
    `# Install: ${program} completion fish > ~/.config/fish/completions/${program}.fish`,
    `complete -c ${program} -f`,
  ];
  for (const node of allCommands(tree)) {
    // Inside this command: its own words typed, none of its subcommands yet.
    const here = [
      ...(node.path.length ? node.path.map((w) => `__fish_seen_subcommand_from ${w}`) : []),
      ...(node.subcommands.length
        ? [`not __fish_seen_subcommand_from ${node.subcommands.map((s) => s.path.at(-1)).join(" ")}`]
        : []),
    ];
    const condition = here.length ? ` -n ${q(here.join("; and "))}` : "";
    for (const sub of node.subcommands) {
      lines.push(
        `complete -c ${program}${condition} -a ${q(sub.path.at(-1) ?? "")} -d ${q(sub.description)}`,
      );
    }
    for (const o of node.options) {
      if (!o.long) continue;
      const v = o.value;
      const value =
        v.kind === "words"
          ? ` -x -a ${q(v.words.join(" "))}`
          : v.kind === "file" || v.kind === "dir"
            ? " -r -F"
            : v.kind === "any"
              ? " -x"
              : "";
      lines.push(`complete -c ${program}${condition} -l ${o.long.slice(2)}${value} -d ${q(o.description)}`);
    }
    if (!node.subcommands.length && node.arguments.length) {
      lines.push(`complete -c ${program}${condition} -F`);
    }
  }
  return `${lines.join("\n")}\n`;
}
