/**
 * Shared bits of the apply/status/import/fault end-to-end tests: the files, and a dwctl runner that
 * asserts no secret leaked in any output (stdout, stderr, verbose log).
 */
import { expect } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server.js';
import { runCli, type CliResult, type RunOptions } from '../helpers/run-cli.js';
import { leakedSecrets, STRIPE_KEY, STRIPE_READONLY_KEY, type World, SHOP_CONFIG } from '../helpers/world.js';
import { BILLING_STRIPE } from '../helpers/yaml-fixtures.js';

export const SHOP_SOURCE = `  shop_db:
    type: Postgres
    prefix: shop_
    description: Shop database
${SHOP_CONFIG}    tables:
      orders:
        sync: incremental
        incremental_field: updated_at
        sync_frequency: 1hour
      users:
        sync: full_refresh
      countries:
        sync: full_refresh
        sync_frequency: 7day
`;

export const BILLING_SOURCE = `  billing:
${BILLING_STRIPE}    tables:
      Customer: { sync: webhook }
      Charge: { sync: append, incremental_field: created, sync_frequency: 12hour }
    webhook:
      signing_secret: \${STRIPE_WEBHOOK_SECRET}
`;

export const yaml = (...sources: string[]): string => `version: 1\nsources:\n${sources.join('')}`;

/** The emulator's Stripe accounts of the world (both keys), for extra emulators. */
export const STRIPE_ACCOUNTS = { [STRIPE_KEY]: { webhookWrite: true }, [STRIPE_READONLY_KEY]: { webhookWrite: false } };

/** Run dwctl in the world's directory (optionally against another emulator) and assert nothing leaked. */
export async function run(world: World, argv: string[], options: { emulator?: Emulator; env?: Record<string, string>; tty?: boolean; stdin?: string } = {}): Promise<CliResult> {
  const env = { ...world.env, ...(options.emulator ? { POSTHOG_HOST: options.emulator.url, POSTHOG_PROJECT_ID: String(options.emulator.projectId) } : {}), ...options.env };
  const runOptions: RunOptions = { cwd: world.dir, env, ...(options.tty !== undefined ? { tty: options.tty } : {}), ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) };
  const result = await runCli(argv, runOptions);
  expect(leakedSecrets(world, result.stdout, result.stderr), `dwctl ${argv.join(' ')} leaked a secret`).toEqual([]);
  return result;
}

/** `plan --detailed-exitcode` must say: no changes. */
export async function expectConverged(world: World, options: { emulator?: Emulator; file?: string; env?: Record<string, string> } = {}): Promise<void> {
  const r = await run(world, ['plan', '--detailed-exitcode', ...(options.file ? ['-f', options.file] : [])], options);
  expect(r.exitCode, `plan after apply:\n${r.stdout}\n${r.stderr}`).toBe(0);
}

export async function extraEmulator(options: EmulatorOptions): Promise<Emulator> {
  return startEmulator({ stripeKeys: STRIPE_ACCOUNTS, syncDurationMs: 50, ...options });
}

/** The JSON body of each recorded request matching method and path. */
export function bodies(emulator: Emulator, method: string, path: RegExp): Record<string, unknown>[] {
  return emulator.requests.filter((r) => r.method === method && path.test(r.path.split('?')[0]!)).map((r) => (r.body ?? {}) as Record<string, unknown>);
}

/** Sources per type+prefix, and external webhook endpoints per source: the fault test's invariants. */
export function invariants(emulator: Emulator): { perIdentity: Record<string, number>; endpoints: Record<string, number> } {
  const perIdentity: Record<string, number> = {};
  for (const s of emulator.state.liveSources()) {
    const key = `${s.sourceType}/${s.prefix ?? ''}`;
    perIdentity[key] = (perIdentity[key] ?? 0) + 1;
  }
  const endpoints: Record<string, number> = {};
  for (const s of emulator.state.liveSources()) endpoints[`${s.sourceType}/${s.prefix ?? ''}`] = s.endpoints.filter((e) => !e.deleted).length;
  return { perIdentity, endpoints };
}
