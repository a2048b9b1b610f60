import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const dir = () => mkdtemp(join(tmpdir(), 'dwctl-review-'));

describe('problems a first-time user ran into', () => {
  it('a literal secret lint refuses is not printed in the code frame', async () => {
    const cwd = await dir();
    await writeFile(
      join(cwd, 'warehouse.yaml'),
      'version: 1\nsources:\n  shop:\n    type: Postgres\n    prefix: shop_\n    config:\n      host: db\n      port: 5432\n      database: d\n      user: u\n      password: hunter2literal\n',
    );
    const result = await runCli(['lint'], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('plaintext-secret');
    expect(result.stdout).toContain('password: **************');
    expect(result.stdout + result.stderr).not.toContain('hunter2literal');
  });

  it('--format json answers a command line that does not parse with a JSON error on stdout (exit 3)', async () => {
    const result = await runCli(['plan', '--format', 'json', '--bogus'], { cwd: await dir() });
    expect(result.exitCode).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'usage' } });
  });

  it('init --type Stripe writes no signing-secret reference that later blocks discover and plan', async () => {
    const cwd = await dir();
    expect((await runCli(['init', '--type', 'Stripe', '--name', 'stripe'], { cwd })).exitCode).toBe(0);
    const text = await readFile(join(cwd, 'warehouse.yaml'), 'utf8');
    expect(text).not.toContain('signing_secret');
    expect((await runCli(['lint'], { cwd })).exitCode).toBe(0);
  });
});

describe('apply --format json on a plan blocked by errors', () => {
  it('says why in the JSON document, and applies nothing (exit 1)', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'dwctl-review-'));
    await writeFile(join(cwd, 'warehouse.yaml'), 'version: 1\nsources:\n  shop:\n    type: Postgres\n    prefix: shop_\n    config: {host: db, port: 5432, database: d, user: u, password: literal-pw}\n');
    const result = await runCli(['apply', '--yes', '--format', 'json'], { cwd, env: { POSTHOG_HOST: 'http://127.0.0.1:9', POSTHOG_PROJECT_ID: '1', POSTHOG_PERSONAL_API_KEY: 'phx_x' } });
    expect(result.exitCode).toBe(1);
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({ format_version: 1, ok: false, results: [] });
    expect(document.diagnostics.map((d: { code: string }) => d.code)).toEqual(['plaintext-secret']);
    expect(result.stdout + result.stderr).not.toContain('literal-pw');
  });
});
