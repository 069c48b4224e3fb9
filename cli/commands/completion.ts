import { type Command, Option } from 'commander';
import type { CliContext, CommandGroup } from '../cli-context';

/** Every command path (`''`, `dlq`, `dlq inspect`, ...) with the words that may follow it. */
function completionTable(program: Command): Array<{ path: string; words: string[] }> {
  const rows: Array<{ path: string; words: string[] }> = [];
  const walk = (command: Command, path: string, inherited: readonly Option[]) => {
    const options = [...command.options, ...inherited];
    rows.push({
      path,
      words: [
        ...command.commands.map((c) => c.name()),
        ...options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))),
        '--help',
      ],
    });
    for (const sub of command.commands)
      walk(sub, path ? `${path} ${sub.name()}` : sub.name(), path ? inherited : command.options);
  };
  walk(program, '', []);
  return rows;
}

/** Options with a fixed list of values, for completing the word after them. */
function choiceTable(program: Command): Map<string, string[]> {
  const choices = new Map<string, string[]>();
  const walk = (command: Command) => {
    for (const option of command.options) {
      if (option.long && option.argChoices)
        choices.set(option.long, [...(choices.get(option.long) ?? []), ...option.argChoices]);
    }
    command.commands.forEach(walk);
  };
  walk(program);
  return choices;
}

/**
 * A bash completion script for the program as it is (every group registered), so new commands
 * complete without editing it. zsh loads it through bashcompinit.
 *
 * @example
 * io.stdout(bashCompletion(program));
 */
export function bashCompletion(program: Command): string {
  const rows = completionTable(program);
  const paths = rows.map((r) => `"${r.path}"`).join(' ');
  const pathCases = rows.map((r) => `    "${r.path}") words="${r.words.join(' ')}" ;;`).join('\n');
  const choiceCases = [...choiceTable(program)]
    .map(
      ([flag, values]) =>
        `    ${flag}) COMPREPLY=( $(compgen -W "${[...new Set(values)].join(' ')}" -- "$cur") ); return ;;`,
    )
    .join('\n');
  return `# sinch-bridge completion: source <(sinch-bridge completion bash)
_sinch_bridge() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" words="" w i
  local -a known=(${paths})
  case "$prev" in
${choiceCases}
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    for k in "\${known[@]}"; do
      if [[ "$k" == "\${path:+$path }$w" ]]; then path="$k"; break; fi
    done
  done
  case "$path" in
${pathCases}
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -F _sinch_bridge sinch-bridge
`;
}

/**
 * zsh runs the bash script through bashcompinit, whose `complete` needs compinit's `compdef`:
 * load compinit when the user's .zshrc has not (sourcing the script would fail otherwise).
 */
const ZSH_PREAMBLE = `(( $+functions[compdef] )) || { autoload -U compinit && compinit; }
autoload -U +X bashcompinit && bashcompinit
`;

/**
 * `completion bash|zsh`: print a shell completion script.
 *
 * @example
 * registerCompletionCommand(program, context);
 */
export const registerCompletionCommand: CommandGroup = (program: Command, context: CliContext) => {
  program
    .command('completion')
    .description('print a shell completion script: source <(sinch-bridge completion bash)')
    .addOption(new Option('--shell <shell>', 'bash or zsh').choices(['bash', 'zsh']).default('bash'))
    .action(async (flags: { shell: 'bash' | 'zsh' }) => {
      const script = bashCompletion(program);
      await context.io.stdout(flags.shell === 'zsh' ? `${ZSH_PREAMBLE}${script}` : script);
    });
};
