/**
 * `freshet completion bash|zsh`: a shell completion script for every command, sub-command and option.
 * The script is generated from the command table and each command module's own registration, so it lists
 * what `freshet <command> --help` lists.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { CommandTable } from '../command-table.ts';

/** Every command path (`streams list`) with its options, from the modules' own registrations. */
export async function commandWords(table: CommandTable): Promise<Map<string, string[]>> {
  const words = new Map<string, string[]>();
  const program = new Command();
  const loaded = new Set<string>();
  for (const c of table.commands) {
    if (loaded.has(c.module)) continue;
    loaded.add(c.module);
    await table.modules[c.module]?.().then((m) => m.register(program, table));
  }
  const visit = (cmd: Command, path: string) => {
    const options = cmd.options.flatMap((o) => [o.long, o.short].filter((x): x is string => x !== undefined));
    const subs = cmd.commands.map((s) => s.name());
    words.set(path, [...subs, ...options, '--help']);
    for (const s of cmd.commands) visit(s, path === '' ? s.name() : `${path} ${s.name()}`);
  };
  visit(program, '');
  return words;
}

function bashScript(words: Map<string, string[]>): string {
  const cases = [...words]
    .filter(([path]) => path !== '')
    .map(([path, w]) => `    "${path}") opts="${w.join(' ')}" ;;`)
    .join('\n');
  return `# freshet bash completion: add \`source <(freshet completion bash)\` to ~/.bashrc
_freshet() {
  local cur path opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) if [[ -n "\${_freshet_known[\${path:+$path }\${COMP_WORDS[i]}]}" ]]; then path="\${path:+$path }\${COMP_WORDS[i]}"; fi ;; esac
  done
  case "$path" in
    "") opts="${words.get('')!.join(' ')}" ;;
${cases}
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=( $(compgen -f -- "$cur") )
}
declare -gA _freshet_known=(${[...words.keys()]
    .filter((p) => p !== '')
    .map((p) => `["${p}"]=1`)
    .join(' ')})
complete -F _freshet freshet
`;
}

/**
 * zsh's own completion (compadd), not bash's script through bashcompinit: zsh arrays count from 1, so the
 * bash script's COMP_WORDS[COMP_CWORD] is the word before the cursor there, and its `path` is zsh's $PATH.
 */
function zshScript(words: Map<string, string[]>): string {
  const quote = (w: string) => `'${w}'`;
  const cases = [...words].map(([path, w]) => `    ${quote(path)}) opts=(${w.join(' ')}) ;;`).join('\n');
  return `#compdef freshet
# freshet zsh completion: add \`source <(freshet completion zsh)\` to ~/.zshrc (after compinit)
_freshet() {
  local cmd="" word key i
  local -a opts
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    [[ $word == -* ]] && continue
    key="\${cmd:+$cmd }$word"
    (( \${+_freshet_known[$key]} )) && cmd=$key
  done
  case $cmd in
${cases}
  esac
  compadd -- $opts || _files
}
typeset -gA _freshet_known
_freshet_known=(${[...words.keys()]
    .filter((p) => p !== '')
    .map((p) => `${quote(p)} 1`)
    .join(' ')})
compdef _freshet freshet
`;
}

export function register(program: Command, table?: CommandTable): void {
  program
    .command('completion <shell>')
    .description('Print a shell completion script for bash or zsh (e.g. source <(freshet completion bash))')
    .action(async (shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new InvalidArgumentError(`expected bash or zsh, got '${shell}'`);
      if (!table) throw new Error('completion needs the command table (run it as `freshet completion`)');
      const words = await commandWords(table);
      process.stdout.write(shell === 'bash' ? bashScript(words) : zshScript(words));
    });
}
