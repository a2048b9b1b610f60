import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server.js';
import { startPglite, type PgServer } from '../emulator/pg/harness.js';
import { REPO_ROOT } from './spawn-cli.js';
import { runCli, type CliResult } from './run-cli.js';

/**
 * A small world for end-to-end tests: the shop database (PGlite over its socket), the PostHog emulator,
 * and a working directory with a warehouse.yaml. Commands run in-process against real sockets.
 */
export interface World {
  emulator: Emulator;
  database: PgServer;
  dir: string;
  /** Secrets the tests set, so tests can assert none of them leaks. */
  secrets: string[];
  env: Record<string, string>;
  write(yaml: string, file?: string): Promise<void>;
  read(file: string): Promise<string>;
  dwctl(...argv: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

export const STRIPE_KEY = 'rk_test_world_key_0123456789';
export const STRIPE_READONLY_KEY = 'rk_test_readonly_key_0123456789';
export const WEBHOOK_SECRET = 'whsec_world_signing_secret_0123';
export const API_KEY = 'phx_test_key';
/** A personal API key with only `external_data_source:read` (API.md §1): what a PR plan gets in CI. */
export const READ_ONLY_API_KEY = 'phx_read_only_world_key';

/** The world's personal API keys: the write key every test uses, and the read-only key next to it. */
export const WORLD_KEYS: EmulatorOptions['keys'] = {
  [API_KEY]: { scopes: ['*'] },
  [READ_ONLY_API_KEY]: { scopes: ['external_data_source:read'] },
};

export async function startWorld(options: EmulatorOptions = {}): Promise<World> {
  const seedSql = await readFile(join(REPO_ROOT, 'test', 'emulator', 'pg', 'shop-seed.sql'), 'utf8');
  const database = await startPglite({ seedSql });
  const emulator = await startEmulator({
    keys: WORLD_KEYS,
    stripeKeys: { [STRIPE_KEY]: { webhookWrite: true }, [STRIPE_READONLY_KEY]: { webhookWrite: false } },
    syncDurationMs: 300,
    ...options,
  });
  const dir = await mkdtemp(join(tmpdir(), 'dwctl-world-'));
  const env: Record<string, string> = {
    POSTHOG_HOST: emulator.url,
    POSTHOG_PROJECT_ID: String(emulator.projectId),
    POSTHOG_PERSONAL_API_KEY: API_KEY,
    DB_HOST: database.host,
    DB_PORT: String(database.port),
    // PGlite accepts any password: a distinctive one makes leak checks meaningful.
    SHOP_DB_PASSWORD: database.kind === 'pglite' ? 'world-shop-db-password' : database.password,
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_READONLY_KEY,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  };
  return {
    emulator,
    database,
    dir,
    secrets: [env.SHOP_DB_PASSWORD!, STRIPE_KEY, STRIPE_READONLY_KEY, WEBHOOK_SECRET, API_KEY, READ_ONLY_API_KEY],
    env,
    write: (yaml, file = 'warehouse.yaml') => writeFile(join(dir, file), yaml),
    read: (file) => readFile(join(dir, file), 'utf8'),
    dwctl: (...argv) => runCli(argv, { cwd: dir, env }),
    async close() {
      await emulator.close();
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Replace what differs between runs (ids, ports, fingerprints, hashes, times) so outputs compare exactly. */
export function normalise(text: string, world: Pick<World, 'emulator' | 'database'>): string {
  return text
    .split(world.emulator.url)
    .join('http://EMULATOR')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\b[0-9a-f]{64}\b/g, '<sha256>')
    .replace(/\b[0-9a-f]{12}\b/g, '<hash12>')
    .split(`${world.database.host}:${world.database.port}`)
    .join('DB_HOST:DB_PORT')
    .replace(new RegExp(`"port": ${world.database.port}\\b`, 'g'), '"port": "<db-port>"')
    .replace(new RegExp(`"${escape(world.database.host)}"`, 'g'), '"<db-host>"');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Assert no secret appears in any of the given texts. */
export function leakedSecrets(world: Pick<World, 'secrets'>, ...texts: string[]): string[] {
  return world.secrets.filter((secret) => texts.some((text) => text.includes(secret)));
}

export interface CheckedResult extends CliResult {
  /** stdout and stderr with ids, ports, hashes and the database port normalised. */
  out: string;
  err: string;
  /** The plan file written with --out (raw and normalised), '' when none. */
  planText: string;
  planNorm: string;
}

/**
 * Run dwctl in the world and assert that no secret leaked anywhere it could: stdout, stderr, the plan file
 * written with --out, and the warehouse file (which discover --add rewrites). Returns normalised outputs.
 */
export async function runChecked(world: World, argv: string[], env: Record<string, string> = {}): Promise<CheckedResult> {
  const { expect } = await import('vitest');
  const result = await runCli(argv, { cwd: world.dir, env: { ...world.env, ...env } });
  const outIndex = argv.indexOf('--out');
  // A file that is not there was not written (a refused plan writes none); any other read error is real.
  const readIfWritten = (name: string): Promise<string> => world.read(name).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '' : Promise.reject(error)));
  const planText = outIndex >= 0 ? await readIfWritten(argv[outIndex + 1]!) : '';
  // `plan --out` that succeeded (0, or 2 with --detailed-exitcode) must have written its file.
  if (outIndex >= 0 && argv[0] === 'plan' && (result.exitCode === 0 || result.exitCode === 2)) expect(planText, `${argv.join(' ')} wrote no plan file`).not.toBe('');
  const file = await readIfWritten('warehouse.yaml');
  expect(leakedSecrets(world, result.stdout, result.stderr, planText, file)).toEqual([]);
  const norm = (text: string) => normalise(text, world).split(String(world.database.port)).join('<db-port>');
  return { ...result, out: norm(result.stdout), err: norm(result.stderr), planText, planNorm: norm(planText) };
}

/**
 * The shop database's connection block (references to the world's environment), indented as a source's
 * `config:`; one copy for every end-to-end file that declares the shop source.
 */
export const SHOP_CONFIG = `    config:
      host: \${DB_HOST}
      port: \${DB_PORT}
      database: postgres
      user: postgres
      password: \${SHOP_DB_PASSWORD}
      schema: public
`;

/** A warehouse.yaml with only the shop source (`shop_db`, prefix `shop_`) and the given `tables:` entries. */
export function shopFile(tables: string): string {
  return `version: 1\nsources:\n  shop_db:\n    type: Postgres\n    prefix: shop_\n${SHOP_CONFIG}    tables:\n${tables}`;
}

/**
 * The one world set-up of an e2e file: started before its tests, closed after them, and the emulator reset after
 * each test (unless `resetEach: false`). Returns the world, usable inside tests and hooks (not at import time).
 */
export function useWorld(options: EmulatorOptions = {}, setup: { resetEach?: boolean } = {}): World {
  let started: World | undefined;
  beforeAll(async () => {
    started = await startWorld(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  if (setup.resetEach !== false) {
    afterEach(() => {
      started?.emulator.reset();
    });
  }
  return new Proxy({} as World, {
    get(_target, key) {
      if (!started) throw new Error('useWorld: the world is used before beforeAll started it');
      return started[key as keyof World];
    },
  });
}
