import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, sinchBridge } from '../support/cli-process';

/** Where a shell is, or undefined when this machine has none (`.ci/run` installs zsh). */
const shellPath = (name: string) =>
  ['/usr/bin', '/bin', '/usr/local/bin'].map((dir) => join(dir, name)).find((p) => existsSync(p));
const BASH = shellPath('bash');
const ZSH = shellPath('zsh');

const dir = mkdtempSync(join(tmpdir(), 'completion-'));

/** Lines typed (then Tab) and the line the shell made of them: what a person sees. */
const COMPLETED_LINES: Array<[typed: string, completed: string]> = [
  ['sinch-bridge dlq in', 'sinch-bridge dlq inspect '],
  ['sinch-bridge tail --ty', 'sinch-bridge tail --type '],
  ['sinch-bridge simulate --trigger MESSAGE_DEL', 'sinch-bridge simulate --trigger MESSAGE_DELIVERY '],
  ['sinch-bridge completion --shell z', 'sinch-bridge completion --shell zsh '],
  [
    'sinch-bridge --stack SinchBridge-eu dlq inspect --queue-u',
    'sinch-bridge --stack SinchBridge-eu dlq inspect --queue-url ',
  ],
  ['sinch-bridge send --to SMS:+46700000000 --wa', 'sinch-bridge send --to SMS:+46700000000 --wait '],
];

/**
 * The scripts `sinch-bridge completion` prints, run by the real shells: bash calls the function
 * the way its programmable completion does, and zsh completes typed lines in an interactive
 * shell on a pseudo-terminal (zsh's own zpty module), through bashcompinit as a user loads it.
 */
describe('sinch-bridge completion (the real CLI process, real shells)', () => {
  let bashScript: string;
  let zshScript: string;

  beforeAll(async () => {
    const env = cleanEnv({ SINCH_BRIDGE_DIR: dir });
    const [bash, zsh] = await Promise.all([
      sinchBridge(['completion'], env),
      sinchBridge(['completion', '--shell', 'zsh'], env),
    ]);
    expect([bash.code, zsh.code]).toEqual([0, 0]);
    bashScript = join(dir, 'sinch-bridge.bash');
    zshScript = join(dir, 'sinch-bridge.zsh');
    writeFileSync(bashScript, bash.stdout);
    writeFileSync(zshScript, zsh.stdout);
  });

  /** COMPREPLY for the words of a command line, the last one being completed. */
  const bashComplete = (...words: string[]): string[] => {
    const out = execFileSync(
      BASH!,
      [
        '--norc',
        '--noprofile',
        '-c',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
        'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sinch_bridge; printf "%s\\n" "${COMPREPLY[@]}"',
        bashScript,
        ...words,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    return out.split('\n').filter(Boolean);
  };

  describe.skipIf(!BASH)(`bash${BASH ? '' : ' (skipped: bash is not installed)'}`, () => {
    it('registers itself for sinch-bridge', () => {
      const out = execFileSync(
        BASH!,
        ['--norc', '--noprofile', '-c', 'source "$0"; complete -p sinch-bridge', bashScript],
        {
          encoding: 'utf8',
        },
      );
      expect(out.trim()).toBe('complete -F _sinch_bridge sinch-bridge');
    });

    it('completes commands, subcommands, options after other words, and option values', () => {
      expect(bashComplete('sinch-bridge', '')).toEqual(
        expect.arrayContaining([
          'send',
          'simulate',
          'tail',
          'dlq',
          'webhooks',
          'doctor',
          'verify',
          'completion',
          '--aws',
          '--stack',
        ]),
      );
      expect(bashComplete('sinch-bridge', 'dlq', 'in')).toEqual(['inspect']);
      expect(bashComplete('sinch-bridge', '--stack', 'SinchBridge-eu', 'dlq', 'inspect', '--qu')).toEqual([
        '--queue',
        '--queue-url',
      ]);
      const tailOptions = bashComplete('sinch-bridge', 'tail', '--peek', '--');
      expect(tailOptions).toEqual(
        expect.arrayContaining(['--type', '--app', '--limit', '--timeout', '--aws']),
      );
      expect(tailOptions).not.toContain('--wait');
      expect(bashComplete('sinch-bridge', 'simulate', '--trigger', 'MESSAGE_DEL')).toEqual([
        'MESSAGE_DELIVERY',
      ]);
      expect(bashComplete('sinch-bridge', 'completion', '--shell', '')).toEqual(['bash', 'zsh']);
    });
  });

  describe.skipIf(!ZSH)(`zsh${ZSH ? '' : ' (skipped: zsh is not installed; .ci/run installs it)'}`, () => {
    it('loads in a bare zsh too (no compinit in .zshrc) and registers the completion', () => {
      const home = mkdtempSync(join(dir, 'zsh-bare-'));
      const out = execFileSync(
        ZSH!,
        ['-f', '-c', 'source "$1" && print -r -- "$_comps[sinch-bridge]"', 'zsh', zshScript],
        {
          encoding: 'utf8',
          env: { PATH: process.env.PATH, HOME: home },
        },
      );
      expect(out.trim()).toMatch(/_bash_complete -F _sinch_bridge/);
    });

    it('completes typed lines in an interactive zsh that sourced the script', () => {
      // Prepare: a zsh whose .zshrc loads the completion as a user would and binds a key that
      // writes the edited line to a file; a driver types each line, Tab, then that key.
      const home = mkdtempSync(join(dir, 'zsh-'));
      const lines = join(home, 'lines');
      writeFileSync(
        join(home, '.zshrc'),
        [
          "PS1='> '",
          'autoload -U compinit && compinit -u -D',
          `source ${zshScript}`,
          `report() { print -r -- "$BUFFER" >> ${lines}; BUFFER='' }`,
          'zle -N report',
          "bindkey '^Xp' report",
          `print -r -- ready > ${lines}`,
        ].join('\n'),
      );
      const driver = join(home, 'drive.zsh');
      writeFileSync(
        driver,
        [
          'zmodload zsh/zpty || exit 9',
          `zpty -b z "env -i HOME=${home} PATH=$PATH TERM=dumb ZDOTDIR=${home} ${ZSH} -i"`,
          // Waits (at most 60 s: a ceiling for a loaded machine) until the file has $1 lines.
          `waitfor() { local i; for i in {1..600}; do [[ -f ${lines} && $(wc -l < ${lines}) -ge $1 ]] && return 0; sleep 0.1; done; return 1 }`,
          'waitfor 1 || exit 3',
          'n=1',
          'for line in "$@"; do',
          "  zpty -w -n z \"$line\"$'\\t'$'\\x18p'",
          '  (( n++ ))',
          '  waitfor $n || exit 4',
          'done',
          'zpty -d z',
        ].join('\n'),
      );
      // Act
      const run = spawnSync(ZSH!, ['-f', driver, ...COMPLETED_LINES.map(([typed]) => typed)], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
        timeout: 120_000,
      });
      // Assess
      expect(run.status, run.stderr).toBe(0);
      expect(readFileSync(lines, 'utf8').split('\n').slice(1, -1)).toEqual(
        COMPLETED_LINES.map(([, completed]) => completed),
      );
    }, 150_000);
  });
});
