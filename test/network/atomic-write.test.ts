import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTextFileAtomic } from '../../src/cli/files.js';
import { REPO_ROOT } from '../helpers/spawn-cli.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * Atomic writes (plan --out, discover --add, init, import, schema --out) against a hostile directory
 * (issue 11): planted symlinks, predictable temporary names, concurrent writers.
 */
let dir: string;
let outside: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dwctl-atomic-'));
  outside = mkdtempSync(join(tmpdir(), 'dwctl-victim-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const rejection = (p: Promise<unknown>) => p.then(() => expect.fail('expected a rejection'), (e: Error) => e);

describe('writeTextFileAtomic', () => {
  it('writes the file and leaves no temporary file behind', async () => {
    await writeTextFileAtomic(dir, 'plan.json', '{"a":1}\n');
    expect(readFileSync(join(dir, 'plan.json'), 'utf8')).toBe('{"a":1}\n');
    expect(readdirSync(dir)).toEqual(['plan.json']);
  });

  it('refuses a target that is a symbolic link (exit 3), and the file it points at is untouched', async () => {
    const victim = join(outside, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(dir, 'plan.json'));
    const error = await rejection(writeTextFileAtomic(dir, 'plan.json', 'overwritten\n'));
    expect(error).toMatchObject({ outcome: 'could-not-run', message: 'plan.json: is a symbolic link; dwctl does not write through links. Pass the real path instead.' });
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(dir, 'plan.json')).isSymbolicLink()).toBe(true);
  });

  it('ignores symlinks planted at the old predictable temporary names (.NAME.PID.tmp): the victim is untouched', async () => {
    const victim = join(outside, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    for (const pid of [process.pid, process.pid + 1, 1]) symlinkSync(victim, join(dir, `.plan.json.${pid}.tmp`));
    await writeTextFileAtomic(dir, 'plan.json', 'mine\n');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(join(dir, 'plan.json'), 'utf8')).toBe('mine\n');
  });

  it('uses a fresh unguessable temporary name each time: concurrent writers of one file never collide', async () => {
    // With a name derived from the pid, these 20 writes in one process shared one temporary file.
    const texts = Array.from({ length: 20 }, (_, i) => `${String(i).repeat(50_000)}\n`);
    await Promise.all(texts.map((text) => writeTextFileAtomic(dir, 'out.txt', text)));
    expect(texts).toContain(readFileSync(join(dir, 'out.txt'), 'utf8'));
    expect(readdirSync(dir)).toEqual(['out.txt']);
  });

  it('keeps the permissions of the file it replaces', async () => {
    writeFileSync(join(dir, 'warehouse.yaml'), 'old\n');
    chmodSync(join(dir, 'warehouse.yaml'), 0o600);
    await writeTextFileAtomic(dir, 'warehouse.yaml', 'new\n');
    expect(statSync(join(dir, 'warehouse.yaml')).mode & 0o777).toBe(0o600);
  });

  it('a missing directory is a clear error (exit 3), not an engine message', async () => {
    const error = await rejection(writeTextFileAtomic(dir, 'nope/plan.json', 'x'));
    expect(error).toMatchObject({ outcome: 'could-not-run', message: 'nope/plan.json: cannot be written: its directory does not exist' });
  });
});

describe('through the CLI', () => {
  it('schema --out onto a symlink is refused with exit 3 and writes nothing through it', async () => {
    const victim = join(outside, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(dir, 'schema.json'));
    const result = await runCli(['schema', '--wizard', join(REPO_ROOT, 'schemas', 'wizard.snapshot.json'), '--out', 'schema.json'], { cwd: dir });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/schema\.json: is a symbolic link; dwctl does not write through links/);
    expect(result.stderr).not.toMatch(/This is a bug|at .*\.ts:\d+/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });
});
