import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretMasker } from '../../src/secrets.js';
import { createClient } from '../../src/posthog/index.js';
import { runCli } from '../helpers/run-cli.js';
import { startEmulator, type Emulator } from '../emulator/server.js';

/**
 * `status --watch --interval 0` must not flood the API: PostHog allows a key 480 requests a minute and 4800
 * an hour (API.md §1 "Rate limits", §12), shared with every other user of the key.
 */
let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ stripeKeys: { sk_test_x: { webhookWrite: true } } });
  dir = mkdtempSync(join(tmpdir(), 'dwctl-watch-'));
  writeFileSync(join(dir, 'warehouse.yaml'), 'version: 1\nsources:\n  billing:\n    type: Stripe\n    prefix: billing_\n    config:\n      stripe_secret_key: ${STRIPE_KEY}\n    tables:\n      Customer: {sync: full_refresh}\n');
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('status --watch pacing', () => {
  it('--interval 0 is raised to the 2 s minimum, and says so', async () => {
    const result = await runCli(['status', '--watch', '--interval', '0', '--count', '3', '--format', 'json'], {
      cwd: dir,
      env: { POSTHOG_HOST: emulator.url, POSTHOG_PROJECT_ID: '1', POSTHOG_PERSONAL_API_KEY: 'phx_test_key', STRIPE_KEY: 'sk_test_x' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('--interval 0 is below the minimum of 2s (PostHog rate-limits the API key); refreshing every 2s.');
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(3);
    // Three refreshes, one list request each, at least 2 s apart (a flood would put them milliseconds apart).
    const times = emulator.requests.map((r) => Date.parse(r.timestamp));
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_990);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(1_990);
  }, 20_000);

  it('a refresh that makes many requests is spaced to stay under PostHog\'s hourly limit, and says so', async () => {
    emulator.reset();
    const other = createClient({ host: emulator.url, projectId: '1', apiKey: 'phx_test_key', masker: new SecretMasker() });
    for (const prefix of ['a_', 'b_', 'c_', 'd_']) {
      await other.createSource({ source_type: 'Stripe', prefix, payload: { auth_method: { selection: 'api_key', stripe_secret_key: 'sk_test_x' }, schemas: [] } });
    }
    emulator.requests.length = 0;
    const result = await runCli(['status', '--all', '--watch', '--interval', '2s', '--count', '2', '--format', 'json'], {
      cwd: dir,
      env: { POSTHOG_HOST: emulator.url, POSTHOG_PROJECT_ID: '1', POSTHOG_PERSONAL_API_KEY: 'phx_test_key', STRIPE_KEY: 'sk_test_x' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    // One list and four retrieves a refresh: 5 × 0.9 s keeps a watch under 4000 requests an hour.
    expect(result.stderr).toContain('Refreshing every 5s instead of 2s: each refresh makes 5 requests, and PostHog allows 4800 an hour.');
    const lists = emulator.requests.filter((r) => /external_data_sources\/\?/.test(r.path)).map((r) => Date.parse(r.timestamp));
    expect(lists).toHaveLength(2);
    expect(lists[1]! - lists[0]!).toBeGreaterThanOrEqual(4_400);
  }, 30_000);
});
