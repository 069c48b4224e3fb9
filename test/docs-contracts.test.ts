/**
 * The product owns its contracts: docs/events.md and docs/commands.md state them, the README
 * links them, and nothing in the repository points at documents outside it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRIGGERS } from '../functions/events/callback-envelope';
import { OutboundCommandSchema } from '../functions/send/command';
import { CHANNEL_PROPERTY_KEYS, SEND_CHANNELS } from '../functions/sinch/app-message';

const root = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

describe('the contracts live in the repository', () => {
  it('the README links docs/events.md and docs/commands.md', () => {
    const readme = read('README.md');
    expect(readme).toContain('(docs/events.md)');
    expect(readme).toContain('(docs/commands.md)');
  });

  it('docs/events.md names every trigger and its event type', () => {
    const events = read('docs/events.md');
    for (const trigger of TRIGGERS) {
      expect(events, trigger).toContain(`\`${trigger}\``);
    }
    expect(events).toContain('sinch.conversation.unrecognized');
  });

  it('docs/commands.md names every command field, channel and channel property key', () => {
    const commands = read('docs/commands.md');
    for (const field of Object.keys(OutboundCommandSchema.def.shape)) {
      expect(commands, field).toContain(`\`${field}\``);
    }
    for (const name of [...SEND_CHANNELS, ...CHANNEL_PROPERTY_KEYS])
      expect(commands, name).toContain(`\`${name}\``);
  });

  it('no file refers to documents outside the repository', () => {
    // Tracked and new files alike, minus this test (which has to name the phrases).
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(
        (f) =>
          /\.(ts|mjs|js|md|json)$/.test(f) &&
          f !== 'test/docs-contracts.test.ts' &&
          !f.startsWith('schemas/'),
      );
    const outside = /contracts section|contracts\.md|\.\.\/shared|sinch-conversation-api\.md/i;
    const offenders = files.filter((file) => outside.test(read(file)));
    expect(offenders).toEqual([]);
  });
});
