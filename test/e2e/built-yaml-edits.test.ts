/**
 * The commands that edit the file load the `yaml` package on demand. Bundled by esbuild, a dynamic
 * `import('yaml')` of that CommonJS package yielded only a default export, so the BUILT CLI crashed with
 * "g is not a function" where the in-process tests (tsx, unbundled) passed. These run dist/ itself.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { BIN, spawnCli } from '../helpers/spawn-cli.js';

const STRIPE = 'rk_test_built_cli_key_0123456789';
let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ stripeKeys: { [STRIPE]: { webhookWrite: true } } });
  dir = mkdtempSync(join(tmpdir(), 'dwctl-built-'));
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Spawned asynchronously: the emulator lives in this process and must keep answering. */
function built(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', NO_COLOR: '1', POSTHOG_HOST: emulator.url, POSTHOG_PROJECT_ID: String(emulator.projectId), POSTHOG_PERSONAL_API_KEY: 'phx_test_key', STRIPE_SECRET_KEY: STRIPE };
  const child = spawn(process.execPath, [BIN, ...argv], { cwd: dir, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the built CLI edits the file with the yaml package', () => {
  it('discover NAME --add writes the entries', async () => {
    writeFileSync(join(dir, 'warehouse.yaml'), 'version: 1\nsources:\n  billing: # the Stripe account\n    type: Stripe\n    prefix: billing_\n    config:\n      auth_method: { selection: api_key, stripe_secret_key: "${STRIPE_SECRET_KEY}" }\n    tables: {}\n');
    const r = await built(['discover', 'billing', '--add', 'Customer']);
    expect(r.stderr).not.toMatch(/is not a function|This is a bug/);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(dir, 'warehouse.yaml'), 'utf8');
    expect(text).toContain('# the Stripe account');
    expect(text).toMatch(/\n {6}Customer: \{ sync: \w+/);
  });

  it('init --type without --prefix (which reads the file to pick a free prefix)', () => {
    rmSync(join(dir, 'warehouse.yaml'));
    expect(spawnCli(['init'], { cwd: dir }).exitCode).toBe(0);
    const r = spawnCli(['init', '--type', 'Postgres', '--name', 'shop_db'], { cwd: dir });
    expect(r.stderr).not.toMatch(/is not a function|This is a bug/);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'warehouse.yaml'), 'utf8')).toContain('prefix: shop_db_');
  });
});
