import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CreatedMeanwhileError, explainRefusedCreate } from '../../src/apply/concurrent-create.js';
import { SecretMasker } from '../../src/secrets.js';
import { createClient } from '../../src/posthog/index.js';
import { runCli } from '../helpers/run-cli.js';
import { BIN } from '../helpers/spawn-cli.js';
import { startEmulator, type Emulator } from '../emulator/server.js';

/**
 * apply against the world moving under it (issue 11): a concurrent run creating the same source after our
 * plan, and SIGINT/SIGTERM in the middle of an apply (the built CLI, a real process and real signals).
 */
const KEY = 'phx_test_key';
const STRIPE = 'sk_test_race_0123456789';
const CREATE = '^/api/projects/1/external_data_sources/?$';
let emulator: Emulator;
let dir: string;

const source = (name: string, prefix: string) => `  ${name}:
    type: Stripe
    prefix: ${prefix}
    config:
      auth_method:
        selection: api_key
        stripe_secret_key: \${STRIPE_KEY}
    tables:
      Customer: { sync: full_refresh }
`;

beforeAll(async () => {
  emulator = await startEmulator({ stripeKeys: { [STRIPE]: { webhookWrite: true } }, syncDurationMs: 60_000 });
  dir = mkdtempSync(join(tmpdir(), 'dwctl-races-'));
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => emulator.reset());

/** The sources PostHog holds (not soft-deleted). */
const liveSources = () => (emulator.state.snapshot() as { sources: { id: string }[] }).sources;

const env = () => ({ POSTHOG_HOST: emulator.url, POSTHOG_PROJECT_ID: '1', POSTHOG_PERSONAL_API_KEY: KEY, STRIPE_KEY: STRIPE });

describe('a concurrent create of the same source', () => {
  it('is reported as "created by another run meanwhile; run plan again" (exit 1), and PostHog holds one source', async () => {
    writeFileSync(join(dir, 'warehouse.yaml'), `version: 1\nsources:\n${source('billing', 'billing_')}`);
    const other = createClient({ host: emulator.url, projectId: '1', apiKey: KEY, masker: new SecretMasker() });
    // Between dwctl's plan and its create, another run sends the very same create.
    emulator.hostile.add({
      name: 'race',
      method: 'POST',
      path: CREATE,
      times: 1,
      behaviour: { kind: 'meanwhile', action: async (body) => void (await other.createSource(JSON.parse(body))) },
    });
    const result = await runCli(['apply', '--yes'], { cwd: dir, env: env() });
    expect(result.exitCode, result.stderr).toBe(1);
    const id = liveSources()[0]?.id;
    expect(result.stderr).toContain(`✖ create source.billing: The Stripe source with prefix billing_ was created by another run meanwhile (id ${id}); run plan again.`);
    expect(liveSources()).toHaveLength(1);
  });

  it('a refusal while no such source exists is reported as PostHog said it (no false "meanwhile")', async () => {
    writeFileSync(join(dir, 'warehouse.yaml'), `version: 1\nsources:\n${source('billing', 'billing_')}`);
    emulator.faults.add({ method: 'POST', path: CREATE, status: 400, times: 1 });
    const result = await runCli(['apply', '--yes'], { cwd: dir, env: env() });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/✖ create source\.billing: /);
    expect(result.stderr).not.toMatch(/meanwhile/);
    // It looked (a list after the refused create) and found nothing.
    const calls = emulator.requests.map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`);
    expect(calls.slice(calls.indexOf('POST /api/projects/1/external_data_sources/ 400') + 1)).toContain('GET /api/projects/1/external_data_sources/ 200');
    expect(liveSources()).toHaveLength(0);
  });

  it('is detected by looking the source up, never by PostHog\'s words (API.md §0)', async () => {
    const refusal = Object.assign(new Error('any wording at all, in any version'), { status: 400 });
    const found = { findSource: async (type: string, prefix: string | null) => (type === 'Stripe' && prefix === 'b_' ? { id: 'src-9' } : null) };
    expect(await explainRefusedCreate(found, 'Stripe', 'b_', refusal)).toBeInstanceOf(CreatedMeanwhileError);
    expect(await explainRefusedCreate(found, 'Stripe', 'other_', refusal)).toBe(refusal);
    // Not refusals: a 5xx, a 403, a rate limit.
    for (const status of [403, 429, 500]) expect(await explainRefusedCreate(found, 'Stripe', 'b_', { status })).toEqual({ status });
    const failingLookup = { findSource: async () => Promise.reject(new Error('down')) };
    expect(await explainRefusedCreate(failingLookup, 'Stripe', 'b_', refusal)).toBe(refusal);
  });
});

/** Run the built CLI in the background; resolves stderr text as it grows. */
function start(argv: string[]) {
  const child = spawn(process.execPath, [BIN, ...argv], { cwd: dir, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env() } });
  const out = { stdout: '', stderr: '' };
  const listeners: (() => void)[] = [];
  child.stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    out.stderr += c.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const stderrContains = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => out.stderr.includes(text) && resolve();
      listeners.push(check);
      check();
      void exited.then(() => reject(new Error(`exited before printing ${text}:\n${out.stderr}`)));
    });
  return { child, out, exited, stderrContains };
}

describe('SIGINT / SIGTERM during apply (built CLI)', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: prints what finished, what was in flight and what never started, then exits %i', async (signal, exitCode) => {
    writeFileSync(join(dir, 'warehouse.yaml'), `version: 1\nsources:\n${source('alpha', 'alpha_')}${source('beta', 'beta_')}`);
    // beta's create never gets an answer: it is in flight when the signal comes.
    emulator.hostile.add({ name: 'hang-beta', method: 'POST', path: CREATE, body: '"prefix":"beta_"', behaviour: { kind: 'hang' } });
    const run = start(['apply', '--yes']);
    await emulator.hostile.hit('hang-beta');
    await run.stderrContains('create source.alpha.table.Customer');
    const sentAt = Date.now();
    run.child.kill(signal);
    const { code } = await run.exited;
    expect(code, run.out.stderr).toBe(exitCode);
    // It does not wait for the hung request's timeout.
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    expect(run.out.stderr).toContain(`Interrupted by ${signal}: apply stopped before finishing.`);
    expect(run.out.stderr).toMatch(/Finished before the interrupt:\n {2}✔ create source\.alpha \[[^\]]+\]\n {2}✔ create source\.alpha\.table\.Customer/);
    expect(run.out.stderr).toContain('In flight (sent; PostHog may or may not have carried it out):\n  … create source.beta\n');
    expect(run.out.stderr).toContain('Not started:\n  - create source.beta.table.Customer\n');
    expect(run.out.stderr).toContain('Run `dwctl plan` to see where PostHog stands');
  }, 30_000);

  it('with --format json, stdout is one document saying it was interrupted', async () => {
    writeFileSync(join(dir, 'warehouse.yaml'), `version: 1\nsources:\n${source('beta', 'beta_')}`);
    emulator.hostile.add({ name: 'hang-beta', method: 'POST', path: CREATE, behaviour: { kind: 'hang' } });
    const run = start(['apply', '--yes', '--format', 'json']);
    await emulator.hostile.hit('hang-beta');
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    expect(JSON.parse(run.out.stdout)).toEqual({
      format_version: 1,
      ok: false,
      interrupted: 'SIGINT',
      results: [],
      in_flight: [{ address: 'source.beta', action: 'create' }],
      not_started: [{ address: 'source.beta.table.Customer', action: 'create' }],
    });
  }, 30_000);
});
