import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretMasker } from '../../src/secrets.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, createClient } from '../../src/posthog/index.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { startEmulator, type Emulator } from '../emulator/server.js';

/**
 * Hostile responses over a real socket (issue 11): a server that hangs, trickles, sends more than any
 * PostHog page, or asks for endless waits. dwctl must fail after its deadline with a message naming it,
 * refuse what it cannot hold, and never crash or wait in silence. Behaviours: test/emulator/hostile.ts.
 */
const KEY = 'phx_test_key';
const LIST = '^/api/projects/1/external_data_sources/?$';
let emulator: Emulator;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), 'dwctl-hostile-'));
  writeFileSync(join(dir, 'warehouse.yaml'), 'version: 1\nsources:\n  billing:\n    type: Stripe\n    prefix: billing_\n    config:\n      stripe_secret_key: ${STRIPE_KEY}\n    tables:\n      Customer: {sync: full_refresh}\n');
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => emulator.reset());

const env = (extra: Record<string, string> = {}) => ({ POSTHOG_HOST: emulator.url, POSTHOG_PROJECT_ID: '1', POSTHOG_PERSONAL_API_KEY: KEY, STRIPE_KEY: 'sk_test_x', ...extra });

async function timed(argv: string[], extra: Record<string, string> = {}): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const result = await runCli(argv, { cwd: dir, env: env(extra) });
  return { ...result, ms: Date.now() - started };
}

function expectNoEngineText(result: CliResult): void {
  expect(result.stderr + result.stdout).not.toMatch(/This is a bug|Maximum call stack|RangeError|TypeError|\n\s+at /);
}

describe('a huge list page', () => {
  it('200,000 sources in one page are read without overflowing the stack (client, real socket)', async () => {
    emulator.hostile.add({ name: 'page', method: 'GET', path: LIST, behaviour: { kind: 'huge-page', items: 200_000 } });
    const client = createClient({ host: emulator.url, projectId: '1', apiKey: KEY, masker: new SecretMasker() });
    const sources = await client.listSources();
    expect(sources).toHaveLength(200_000);
    expect(sources[199_999]).toMatchObject({ id: 's199999', prefix: 'p199999_' });
  }, 30_000);

  it('dwctl status over such a page answers normally (exit 0)', async () => {
    emulator.hostile.add({ name: 'page', method: 'GET', path: LIST, behaviour: { kind: 'huge-page', items: 200_000 } });
    const result = await timed(['status', '--format', 'json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expectNoEngineText(result);
  }, 30_000);
});

describe('an oversized body', () => {
  it('a chunked body past the 64 MiB cap: exit 3 naming the cap; dwctl stops reading', async () => {
    const total = 80 * 1024 * 1024;
    emulator.hostile.add({ name: 'big', method: 'GET', path: LIST, behaviour: { kind: 'huge-body', bytes: total, declare: false } });
    const result = await timed(['status']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/PostHog's answer \(HTTP 200\) to GET \/api\/projects\/1\/external_data_sources\/\?limit=100&offset=0 is larger than dwctl's limit of 64 MiB for one response; dwctl stopped reading it\./);
    expectNoEngineText(result);
    expect(emulator.hostile.bytesSent).toBeLessThan(total);
    expect(emulator.hostile.hits).toEqual(['big']);
  }, 30_000);

  it('a declared Content-Length past the cap is refused before reading the body', async () => {
    const total = 1024 * 1024 * 1024;
    emulator.hostile.add({ name: 'big', method: 'GET', path: LIST, behaviour: { kind: 'huge-body', bytes: total, declare: true } });
    const result = await timed(['status']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/is larger than dwctl's limit of 64 MiB/);
    expect(emulator.hostile.bytesSent).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);

  it('the cap is an option of the client, checked on the streamed bytes', async () => {
    emulator.hostile.add({ name: 'big', method: 'GET', path: LIST, behaviour: { kind: 'huge-body', bytes: 5 * 1024 * 1024, declare: false } });
    const client = createClient({ host: emulator.url, projectId: '1', apiKey: KEY, masker: new SecretMasker(), maxResponseBytes: 1024 * 1024 });
    await expect(client.listSources()).rejects.toMatchObject({ outcome: 'could-not-run', reason: 'body-too-large', message: expect.stringMatching(/limit of 1 MiB/) });
  });
});

describe('a server that does not answer', () => {
  it('the default per-request timeout is 30 s', () => {
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(30_000);
  });

  it('hang: --request-timeout 1 fails after about a second, once, exit 3 naming the timeout', async () => {
    emulator.hostile.add({ name: 'hang', method: 'GET', path: LIST, behaviour: { kind: 'hang' } });
    const result = await timed(['status', '--request-timeout', '1']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/Could not reach PostHog at http:\/\/127\.0\.0\.1:\d+ \(no answer within 1s, the request timeout\) for GET/);
    expect(result.stderr).toMatch(/--request-timeout SECONDS or DWCTL_REQUEST_TIMEOUT/);
    expect(result.ms).toBeLessThan(10_000);
    // Not tried again: a hung server fails after one deadline, not after several.
    expect(emulator.hostile.hits).toEqual(['hang']);
    expectNoEngineText(result);
  });

  it('hang: DWCTL_REQUEST_TIMEOUT sets the same deadline; the flag wins over it', async () => {
    emulator.hostile.add({ name: 'hang', method: 'GET', path: LIST, behaviour: { kind: 'hang' } });
    const fromEnv = await timed(['status'], { DWCTL_REQUEST_TIMEOUT: '0.5' });
    expect(fromEnv.exitCode).toBe(3);
    expect(fromEnv.stderr).toMatch(/no answer within 0\.5s, the request timeout/);
    const flagWins = await timed(['status', '--request-timeout', '1'], { DWCTL_REQUEST_TIMEOUT: '0.5' });
    expect(flagWins.stderr).toMatch(/no answer within 1s, the request timeout/);
  });

  it('slowloris: headers at once, then a byte now and then, fails at the deadline (the body is under it too)', async () => {
    emulator.hostile.add({ name: 'slow', method: 'GET', path: LIST, behaviour: { kind: 'slow-body', chunk: ' ', everyMs: 50 } });
    const result = await timed(['status', '--request-timeout', '1']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/no answer within 1s, the request timeout/);
    expect(result.ms).toBeLessThan(10_000);
    expect(emulator.hostile.bytesSent).toBeGreaterThan(0);
  });

  it.each([['abc'], ['0'], ['1e3'], ['99999']])('--request-timeout %s is refused (exit 3) before anything is sent', async (value) => {
    const result = await timed(['status', '--request-timeout', value]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`--request-timeout: "${value}" is not a timeout dwctl accepts. Give a number of seconds between 0.001 and 3600, e.g. 30.`);
    expect(emulator.requests).toEqual([]);
  });
});

describe('Retry-After', () => {
  it('Retry-After: 100000 on every answer: refused at once, exit 3, saying why (no silent waits)', async () => {
    emulator.hostile.add({ name: 'wait', method: 'GET', path: LIST, behaviour: { kind: 'retry-after', status: 429, value: '100000' } });
    const result = await timed(['status']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/PostHog answered 429 to GET \/api\/projects\/1\/external_data_sources\/\?limit=100&offset=0 and asked dwctl to wait 27h 47m \(Retry-After\), more than is left of this request's retry budget/);
    expect(result.ms).toBeLessThan(5_000);
    expect(emulator.hostile.hits).toEqual(['wait']);
  });

  it('a wait of several seconds is announced on stderr: what, why, how long', async () => {
    emulator.hostile.add({ name: 'wait', method: 'GET', path: LIST, times: 1, behaviour: { kind: 'retry-after', status: 503, value: '3' } });
    const result = await timed(['status']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('Waiting 3s before retrying GET /api/projects/1/external_data_sources/?limit=100&offset=0: PostHog answered 503 with Retry-After 3s.');
    expect(result.ms).toBeGreaterThanOrEqual(2_900);
  }, 15_000);
});

describe('an oversized answer to a create', () => {
  it('is ambiguous (PostHog may have created the source), never retried blindly', async () => {
    emulator.hostile.add({ name: 'big', method: 'POST', path: LIST, behaviour: { kind: 'huge-body', bytes: 2 * 1024 * 1024, declare: false } });
    const client = createClient({ host: emulator.url, projectId: '1', apiKey: KEY, masker: new SecretMasker(), maxResponseBytes: 1024 * 1024 });
    await expect(client.createSource({ source_type: 'Stripe', prefix: 'x_', payload: {} })).rejects.toMatchObject({
      name: 'AmbiguousRequestError',
      reason: 'body-too-large',
      message: expect.stringMatching(/PostHog's answer was larger than dwctl's limit of 1 MiB and was not read, so PostHog may or may not have carried it out/),
    });
    expect(emulator.hostile.hits).toEqual(['big']);
  });
});
