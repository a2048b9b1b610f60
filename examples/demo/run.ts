/**
 * `npm run demo`: the whole dwctl workflow on a fresh machine, with no network, credentials or services.
 * Starts an embedded Postgres (PGlite, seeded with a small shop) and the local PostHog emulator, then runs
 * each step as a user would type it, against the built CLI. Exits 0 only if every step did what it should.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../test/emulator/server.js';
import { startPglite } from '../../test/emulator/pg/harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'dwctl.js');
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (text: string) => (color ? `\u001b[1m${text}\u001b[22m` : text);

interface Step {
  argv: string[];
  /** The exit code this step must end with. */
  expect: number;
  why: string;
}

const STEPS: Step[] = [
  { argv: ['lint'], expect: 0, why: 'check the file offline, as the pre-commit hook does' },
  { argv: ['discover', 'shop_db', '--count-rows'], expect: 0, why: 'see what PostHog finds in the database, with row estimates and a recommendation per table' },
  { argv: ['plan', '--out', 'plan.json'], expect: 0, why: 'the pull-request check: what apply will do, and what it costs' },
  { argv: ['apply', 'plan.json', '--yes', '--wait', '--timeout', '60s'], expect: 0, why: 'on merge: create the sources, register the webhook, follow the first syncs' },
  { argv: ['status'], expect: 0, why: 'each table\'s sync status' },
  { argv: ['plan', '--detailed-exitcode'], expect: 0, why: 'PostHog now matches the file: no changes (exit 0), and rows per month from the first syncs' },
];

async function main(): Promise<number> {
  const workdir = await mkdtemp(join(tmpdir(), 'dwctl-demo-'));
  const database = await startPglite({ seedSql: await readFile(join(root, 'test', 'emulator', 'pg', 'shop-seed.sql'), 'utf8') });
  const emulator = await startEmulator({ stripeKeys: { rk_test_demo_key: { webhookWrite: true } }, syncDurationMs: 1500 });
  try {
    await copyFile(join(root, 'examples', 'demo', 'warehouse.yaml'), join(workdir, 'warehouse.yaml'));
    const env = {
      PATH: process.env.PATH ?? '',
      POSTHOG_HOST: emulator.url,
      POSTHOG_PROJECT_ID: String(emulator.projectId),
      POSTHOG_PERSONAL_API_KEY: 'phx_test_key',
      DEMO_DB_HOST: database.host,
      DEMO_DB_PORT: String(database.port),
      // PGlite accepts any password; a distinctive one shows that it is masked wherever it could appear.
      SHOP_DB_PASSWORD: 'demo-shop-db-password',
      STRIPE_SECRET_KEY: 'rk_test_demo_key',
      STRIPE_WEBHOOK_SECRET: 'whsec_demo_signing_secret',
      ...(process.env.NO_COLOR ? { NO_COLOR: process.env.NO_COLOR } : {}),
    };
    console.log(bold(`PostHog emulator at ${emulator.url} (project ${emulator.projectId}); sample Postgres on ${database.host}:${database.port}.`));
    console.log(`Working in ${workdir} with examples/demo/warehouse.yaml.\n`);
    for (const step of STEPS) {
      console.log(bold(`$ dwctl ${step.argv.join(' ')}`) + `   # ${step.why}`);
      const code = await run(step.argv, workdir, env);
      if (code !== step.expect) {
        console.error(`\nThe demo failed: \`dwctl ${step.argv.join(' ')}\` exited ${code}, expected ${step.expect}.`);
        return 1;
      }
      console.log('');
    }
    console.log(bold('Demo complete: every step did what it should.'));
    return 0;
  } finally {
    await emulator.close();
    await database.close();
    await rm(workdir, { recursive: true, force: true });
  }
}

function run(argv: string[], cwd: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

process.exitCode = await main();
