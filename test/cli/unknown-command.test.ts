import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { runCli as run } from '../helpers/run-cli.js';

const runCli = (argv: string[]) => run(argv, { cwd: tmpdir() });

describe('an unknown command', () => {
  it('suggests the closest command in one line (exit 3), never the list of every command', async () => {
    const r = await runCli(['plna']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: unknown command "plna". Did you mean plan? See dwctl --help.\n');
  });

  it.each([
    ['aply', 'apply'],
    ['discovr', 'discover'],
    ['stauts', 'status'],
    ['Lint', 'lint'],
  ])('%s → %s', async (typo, command) => {
    const r = await runCli([typo, '--yes']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(`Did you mean ${command}?`);
  });

  it('offers nothing for a word far from every command, and answers --format json with a JSON error', async () => {
    const r = await runCli(['xyzzy', '--format', 'json']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe('error: unknown command "xyzzy". See dwctl --help.\n');
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'usage', message: 'unknown command "xyzzy". See dwctl --help.' } });
  });

  it('does not echo control characters from the command line', async () => {
    const r = await runCli(['\u001b]0;pwned\u0007plan']);
    expect(r.stderr).not.toMatch(/[\u0000-\u001f\u007f-\u009f](?!$)/);
    expect(r.stderr).toContain('error: unknown command "?]0;pwned?plan".');
  });

  it('leaves known commands, flags and no arguments to the parser', async () => {
    expect((await runCli(['--version'])).exitCode).toBe(0);
    expect((await runCli(['lint', '--help'])).exitCode).toBe(0);
  });
});
