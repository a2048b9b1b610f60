/**
 * Fault tests of `dwctl apply`: in each run of a seeded randomized test, apply runs against an emulator
 * that drops connections (before and after doing the work) and answers 429 and 5xx at random, or the
 * built binary is SIGKILLed at a random point. Then apply is repeated without faults until
 * `plan --detailed-exitcode` exits 0, and PostHog holds exactly one source per type+prefix and at most
 * one webhook endpoint registered with Stripe per source (every registration counts, deleted or not).
 *
 * Reproduce a failure with FAULT_SEED=<seed from the message> npx vitest run test/e2e/faults (the seed fixes
 * the choices of each run; request timing can still vary).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { FaultRule } from '../emulator/server.js';
import { runCli } from '../helpers/run-cli.js';
import { BIN } from '../helpers/spawn-cli.js';
import { leakedSecrets, useWorld, SHOP_CONFIG } from '../helpers/world.js';
import { yaml } from './apply-helpers.js';

/** At least 50 (the minimum); FAULT_RUNS=500 for a longer soak. */
const RUNS = Math.max(50, Number(process.env.FAULT_RUNS ?? 60));
const SEED = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Called with each request the emulator answers (its log line), before the answer is sent. */
let onRequest: ((line: string) => void) | null = null;
const world = useWorld({ syncDurationMs: 20, rateLimitPerMinute: 1_000_000, log: (line) => onRequest?.(line) }, { resetEach: false });

/** mulberry32, as the emulator's fault RNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Small on purpose: one Postgres and one Stripe source, webhook included. */
function file(readonlyKey: boolean): string {
  return yaml(
    `  shop_db:
    type: Postgres
    prefix: shop_
${SHOP_CONFIG}    tables:
      orders: { sync: incremental, incremental_field: updated_at, sync_frequency: 1hour }
      countries: { sync: full_refresh, sync_frequency: 7day }
`,
    `  billing:
    type: Stripe
    prefix: billing_
    config:
      auth_method:
        selection: api_key
        stripe_secret_key: \${${readonlyKey ? 'STRIPE_READONLY_KEY' : 'STRIPE_SECRET_KEY'}}
    tables:
      Customer: { sync: webhook }
      Charge: { sync: append, incremental_field: created, sync_frequency: 12hour }
    webhook:
      signing_secret: \${STRIPE_WEBHOOK_SECRET}
`,
  );
}

/** FAULT_INTENSITY=3 triples every fault probability, for a harsher soak. */
const INTENSITY = Number(process.env.FAULT_INTENSITY ?? 1);

function faultRules(random: () => number): FaultRule[] {
  const p = () => Math.min(0.5, (0.02 + random() * 0.08) * INTENSITY);
  return [
    { path: '^/api/', action: 'reset-before', probability: p() },
    { path: '^/api/', action: 'reset-after', probability: p() },
    { path: '^/api/', status: 429, retryAfter: 0, probability: p() },
    { path: '^/api/', status: 500, probability: p() / 2 },
    { path: '^/api/', status: 502, probability: p() / 2 },
    { path: '^/api/', status: 503, retryAfter: 0, probability: p() },
  ];
}

async function dwctl(argv: string[], where: string) {
  const r = await runCli(argv, { cwd: world.dir, env: world.env });
  expect(leakedSecrets(world, r.stdout, r.stderr), `${where}: dwctl ${argv.join(' ')} leaked a secret`).toEqual([]);
  return r;
}

/**
 * The built binary, killed with SIGKILL `delayMs` after the emulator handled its `afterRequests`-th
 * request (a delay of 0 kills it after PostHog acted but before the answer is sent). A uniform delay
 * from the start would mostly hit Node's start-up: all of apply's writes happen within a few ms.
 */
function killedApply(afterRequests: number, delayMs: number): Promise<{ killed: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'apply', '--yes', '--verbose'], { cwd: world.dir, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...world.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let killed = false;
    let seen = 0;
    let timer: NodeJS.Timeout | undefined;
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) killed = child.kill('SIGKILL');
    };
    onRequest = () => {
      if (++seen !== afterRequests) return;
      if (delayMs === 0) kill();
      else timer = setTimeout(kill, delayMs);
    };
    child.on('error', reject);
    child.on('close', () => {
      onRequest = null;
      clearTimeout(timer);
      resolve({ killed, stdout, stderr });
    });
  });
}

describe('one fault at a time, at the riskiest steps', () => {
  const cases: { name: string; rule: FaultRule; readonlyKey?: boolean }[] = [
    { name: 'the create answer is lost (created, connection dropped)', rule: { method: 'POST', path: '/external_data_sources/?$', action: 'reset-after', times: 1 } },
    { name: 'the create is dropped before PostHog acts', rule: { method: 'POST', path: '/external_data_sources/?$', action: 'reset-before', times: 1 } },
    { name: 'the create answers 502 (a proxy page)', rule: { method: 'POST', path: '/external_data_sources/?$', status: 502, times: 1 } },
    { name: 'the create_webhook answer is lost (registered, connection dropped)', rule: { path: '/create_webhook', action: 'reset-after', times: 1 } },
    { name: 'the create_webhook answer is lost, and the key may not register webhooks', rule: { path: '/create_webhook', action: 'reset-after', times: 1 }, readonlyKey: true },
    { name: 'update_webhook_inputs answers 503', rule: { path: '/update_webhook_inputs', status: 503, retryAfter: 0, times: 2 }, readonlyKey: true },
    { name: 'bulk_update_schemas drops after saving', rule: { path: '/bulk_update_schemas', action: 'reset-after', times: 1 } },
    { name: 'listing answers 429', rule: { method: 'GET', path: '/external_data_sources/?$', status: 429, retryAfter: 0, times: 3 } },
  ];
  for (const c of cases) {
    it(`apply succeeds in one run when ${c.name}, and creates nothing twice`, async () => {
      world.emulator.reset();
      await world.write(file(c.readonlyKey === true));
      world.emulator.faults.add(c.rule);
      const r = await dwctl(['apply', '--yes', '--verbose'], c.name);
      expect(world.emulator.faults.list(), 'the fault fired').toEqual([]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(world.emulator.state.liveSources()).toHaveLength(2);
      const billing = world.emulator.state.liveSources().find((s) => s.sourceType === 'Stripe')!;
      expect(billing.endpoints).toHaveLength(c.readonlyKey ? 0 : 1);
      expect((await dwctl(['plan', '--detailed-exitcode'], c.name)).exitCode).toBe(0);
    });
  }
});

describe('apply under faults', () => {
  it(`converges with one source per type+prefix and at most one webhook endpoint per source, in each of ${RUNS} randomized runs`, { timeout: 180_000 + RUNS * 2_000 }, async () => {
    const random = rng(SEED);
    const summary = { faulted: 0, killed: 0, killedMidway: 0, repeats: 0, failedFirst: 0 };
    for (let run = 0; run < RUNS; run++) {
      const runSeed = Math.floor(random() * 2 ** 31);
      const where = `FAULT_SEED=${SEED} run ${run} (run seed ${runSeed})`;
      const local = rng(runSeed);
      world.emulator.reset();
      const readonlyKey = local() < 0.3;
      // Some runs start from an existing Stripe source without webhook tables, so the faults hit adding them.
      if (local() < 0.3) {
        await world.write(file(readonlyKey).replace('      Customer: { sync: webhook }\n', '').replace(/    webhook:\n.*\n/, ''));
        const setup = await dwctl(['apply', '--yes'], where);
        expect(setup.exitCode, `${where}: setup\n${setup.stderr}`).toBe(0);
        world.emulator.requests.length = 0;
      }
      await world.write(file(readonlyKey));

      if (local() < 0.5) {
        summary.faulted++;
        world.emulator.faults.seed(runSeed);
        world.emulator.faults.add(...faultRules(local));
        const attempts = 1 + Math.floor(local() * 2);
        for (let i = 0; i < attempts; i++) {
          const r = await dwctl(['apply', '--yes', '--verbose'], where);
          expect([0, 1, 3], `${where}: apply under faults exited ${r.exitCode}\n${r.stderr}`).toContain(r.exitCode);
          if (i === 0 && r.exitCode !== 0) summary.failedFirst++;
        }
        world.emulator.faults.clear();
      } else {
        summary.killed++;
        const r = await killedApply(1 + Math.floor(local() * 14), local() < 0.4 ? 0 : Math.floor(local() * 5));
        expect(leakedSecrets(world, r.stdout, r.stderr), `${where}: killed apply leaked a secret`).toEqual([]);
        if (r.killed && world.emulator.requests.some((q) => q.method === 'POST' && !/database_schema/.test(q.path))) summary.killedMidway++;
      }

      // Repeat apply, without faults, until plan has nothing left to do.
      let converged = false;
      for (let attempt = 0; attempt < 4 && !converged; attempt++) {
        const plan = await dwctl(['plan', '--detailed-exitcode'], where);
        if (plan.exitCode === 0) {
          converged = true;
          break;
        }
        expect(plan.exitCode, `${where}: plan\n${plan.stdout}\n${plan.stderr}`).toBe(2);
        summary.repeats++;
        const apply = await dwctl(['apply', '--yes'], where);
        expect(apply.exitCode, `${where}: apply without faults\n${apply.stdout}\n${apply.stderr}`).toBe(0);
      }
      expect(converged, `${where}: apply did not converge`).toBe(true);

      const sources = world.emulator.state.liveSources();
      expect(sources.map((s) => `${s.sourceType}/${s.prefix}`).sort(), `${where}: one source per type+prefix`).toEqual(['Postgres/shop_', 'Stripe/billing_']);
      const billing = sources.find((s) => s.sourceType === 'Stripe')!;
      const registered = world.emulator.state.externalEndpointsRegistered();
      for (const source of world.emulator.state.sources.values()) {
        expect(registered[source.id] ?? 0, `${where}: webhook endpoints registered for ${source.sourceType}/${source.prefix}`).toBeLessThanOrEqual(1);
      }
      expect(registered[billing.id] ?? 0, `${where}: the billing webhook endpoint`).toBe(readonlyKey ? 0 : 1);
      expect(billing.hogFunction?.enabled, `${where}: the webhook function is enabled`).toBe(true);
    }
    // The runs really exercised what they claim to.
    expect(summary.faulted, JSON.stringify(summary)).toBeGreaterThan(10);
    expect(summary.killedMidway, JSON.stringify(summary)).toBeGreaterThan(10);
    expect(summary.repeats, JSON.stringify(summary)).toBeGreaterThan(10);
    console.log(`fault test FAULT_SEED=${SEED}: ${JSON.stringify(summary)}`);
  });
});
