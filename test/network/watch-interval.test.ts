import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { startEmulator, type Emulator } from '../emulator/server.js';

/**
 * `status --watch --interval 0` must not flood the API: PostHog allows a key 480 requests a minute and 4800
 * an hour (API.md §1 "Rate limits", §12), shared with every other user of the key.
 */
let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator();
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
});
