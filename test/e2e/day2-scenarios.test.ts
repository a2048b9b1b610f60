/**
 * The day-2 scenarios of issue 10, each end to end against the emulator with PostHog's day-2 behaviours on
 * (API.md §12: keys stored per sync type, bulk_update_schemas refused to personal keys, webhook inputs replaced by
 * a webhook schema PATCH, CDC enabled per source): apply succeeds, then `plan --detailed-exitcode` exits 0, and no
 * secret appears in any output (the `run` helper checks every stdout/stderr).
 *
 * Covered elsewhere and not repeated here: credential rotation (test/e2e/rotation.test.ts, system PostgreSQL),
 * incremental without any key (test/e2e/plan-keys.test.ts "incremental-without-key"), a switch to xmin sending
 * the detected key (plan-keys.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { allKnownWebhookEvents } from '../emulator/drivers/stripe.js';
import type { PgServer } from '../emulator/pg/harness.js';
import { call, waitFor } from '../emulator/support.js';
import { cdcDbEnv, cdcDbSource, useSystemPostgres } from '../helpers/system-postgres.js';
import { shopFile, STRIPE_KEY, STRIPE_READONLY_KEY, useWorld, WEBHOOK_SECRET } from '../helpers/world.js';
import { bodies, run, yaml } from './apply-helpers.js';

/** A restricted Stripe key with 'Read' but not 'Write' on Webhook endpoints: PostHog sees missing events, cannot add them. */
const STRIPE_READ_WEBHOOKS_KEY = 'rk_test_read_webhooks_key_0123456789';

const world = useWorld({
  syncDurationMs: 30,
  stripeKeys: { [STRIPE_KEY]: { webhookWrite: true }, [STRIPE_READONLY_KEY]: { webhookWrite: false }, [STRIPE_READ_WEBHOOKS_KEY]: { webhookRead: true } },
});

interface PlanJson {
  changes: { address: string; kind: string; action: string; before: Record<string, any> | null; after: Record<string, any> | null; reason: string }[];
  diagnostics: { code: string; severity: string; message: string; line: number; path: string }[];
  webhooks?: { source: string; exists: boolean; enabled: boolean | null; missing_events: string[]; pending_inputs: string[]; problems: string[] }[];
  summary: { create: number; update: number; delete: number };
}

async function planJson(env: Record<string, string> = {}): Promise<PlanJson> {
  const r = await run(world, ['plan', '--format', 'json'], { env });
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
}

async function applied(env: Record<string, string> = {}): Promise<string> {
  const r = await run(world, ['apply', '--yes'], { env });
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return r.stdout;
}

async function converged(env: Record<string, string> = {}): Promise<string> {
  const r = await run(world, ['plan', '--detailed-exitcode'], { env });
  expect(r.exitCode, `plan after apply:\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

const requestPaths = (from: number) => world.emulator.requests.slice(from).map((q) => `${q.method} ${q.path.split('?')[0]}`);

describe('a primary key declared on a full_refresh table (API.md §12: PostHog stores none)', () => {
  it('lint warns, the key is neither sent nor compared: apply succeeds and the next plan has nothing to do', async () => {
    await world.write(shopFile('      users:\n        sync: full_refresh\n        primary_key: [id]\n'));
    const lint = await run(world, ['lint']);
    expect(lint.stdout).toContain('primary-key-not-stored');
    await applied();
    const [create] = bodies(world.emulator, 'POST', /\/external_data_sources\/?$/);
    expect((create!.payload as { schemas: Record<string, unknown>[] }).schemas.find((s) => s.name === 'users')).not.toHaveProperty('primary_key_columns');
    await converged();
  });
});

describe('bulk_update_schemas refused to personal API keys (API.md §12: 403, the newest viewset)', () => {
  it('apply falls back to one PATCH per schema after the 403, marks nothing failed, and converges', async () => {
    await world.write(shopFile('      users:\n        sync: full_refresh\n        sync_frequency: 12hour\n      countries:\n        sync: full_refresh\n        sync_frequency: 7day\n'));
    const from = world.emulator.requests.length;
    const out = await applied();
    expect(out).not.toContain('scope');
    const refused = world.emulator.requests.slice(from).filter((q) => q.path.includes('bulk_update_schemas'));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((q) => q.status === 403)).toBe(true);
    const perSchema = world.emulator.requests.slice(from).filter((q) => q.method === 'PATCH' && /external_data_schemas\/[^/]+\/?$/.test(q.path.split('?')[0]!));
    expect(perSchema.map((q) => q.status)).toEqual([200, 200]);
    await converged();
  });
});

/** A Stripe source with a declared signing secret, its key taken from the variable `keyVariable`. */
const billingSource = (keyVariable: string, tables: string) => `  billing:
    type: Stripe
    prefix: billing_
    config:
      auth_method:
        selection: api_key
        stripe_secret_key: \${${keyVariable}}
    tables:
${tables}    webhook:
      signing_secret: \${STRIPE_WEBHOOK_SECRET}
`;

describe('a Stripe signing secret given by hand, then a webhook table added (API.md §12: the PATCH wipes it)', () => {
  it('the table PATCH runs first, the secret is stored last, PostHog holds the declared secret, and the next plan is clean', async () => {
    const billing = (tables: string) => billingSource('STRIPE_READONLY_KEY', tables);
    await world.write(yaml(billing('      Customer: { sync: webhook }\n')));
    const first = await applied();
    // PostHog's key may not register the endpoint: the user registers the URL by hand with the declared secret.
    expect(first).toContain('Register this URL');
    await converged();
    const [source] = world.emulator.state.liveSources();
    expect(source!.hogFunction!.inputs.signing_secret).toBe(WEBHOOK_SECRET);

    await world.write(yaml(billing('      Customer: { sync: webhook }\n      Invoice: { sync: webhook }\n')));
    const plan = await planJson();
    expect(plan.changes.find((c) => c.address === 'source.billing.webhook')).toMatchObject({ action: 'update', after: { signing_secret: '(sensitive)' } });
    const from = world.emulator.requests.length;
    await applied();
    const writes = requestPaths(from).filter((p) => !p.startsWith('GET'));
    const tablePatch = writes.findIndex((p) => /PATCH .*(bulk_update_schemas|external_data_schemas)/.test(p));
    const secret = writes.findIndex((p) => p.includes('update_webhook_inputs'));
    expect(tablePatch).toBeGreaterThanOrEqual(0);
    expect(secret).toBeGreaterThan(tablePatch);
    expect(writes.slice(secret + 1).some((p) => /external_data_schemas|bulk_update_schemas/.test(p))).toBe(false);
    expect(source!.hogFunction!.inputs.signing_secret).toBe(WEBHOOK_SECRET);
    await converged();
  });
});

describe("Stripe events the key cannot add (API.md §7, §12: a key with 'Read' but not 'Write' on webhook endpoints)", () => {
  const billing = (tables: string) => billingSource('STRIPE_READ_WEBHOOKS_KEY', tables);
  const env = { STRIPE_READ_WEBHOOKS_KEY };

  it('apply lists them once as "action needed" without failing; plan shows webhook health as a warning, not a change; nothing re-switches', async () => {
    world.secrets.push(STRIPE_READ_WEBHOOKS_KEY);
    await world.write(yaml(billing('      Customer: { sync: webhook }\n')));
    await applied(env);
    const [source] = world.emulator.state.liveSources();
    // The user registered the URL in Stripe by hand, leaving two events out.
    const picked = allKnownWebhookEvents().filter((e) => e !== 'customer.updated' && e !== 'charge.refunded');
    const manual = await call(world.emulator, 'POST', '/_emulator/stripe/endpoints', { source_id: source!.id, enabled_events: picked }, null);
    expect(manual.status).toBe(201);

    // Plan: a warning listing the events, health in JSON, and no change (exit 0 with --detailed-exitcode).
    const plan = await planJson(env);
    const warning = plan.diagnostics.find((d) => d.code === 'webhook-missing-events')!;
    expect(warning.severity).toBe('warning');
    expect(warning.message).toContain('customer.updated');
    expect(warning.path).toBe('/sources/billing/tables');
    expect(plan.summary).toMatchObject({ create: 0, update: 0, delete: 0 });
    const health = plan.webhooks!.find((w) => w.source === 'billing')!;
    expect(health).toMatchObject({ exists: true, enabled: true, pending_inputs: [] });
    expect(health.missing_events).toContain('customer.updated');
    expect(health.missing_events).toEqual(['charge.refunded', 'customer.updated']);
    expect(health.problems).toEqual(['2 events are not subscribed']);
    expect(warning.message).toContain('lacks 2 events');
    const text = await converged(env);
    expect(text).toContain('  webhook: ');
    expect(text).toContain('missing events: ');
    const markdown = await run(world, ['plan', '--format', 'markdown'], { env });
    expect(markdown.stdout).toContain('**Webhooks**');
    const github = await run(world, ['plan', '--format', 'github'], { env });
    expect(github.stdout).toContain('::warning file=warehouse.yaml');
    expect(github.stdout).toContain('webhook-missing-events');
    // status shows the same health (one function: sources/webhooks.ts).
    const status = JSON.parse((await run(world, ['status', '--format', 'json'], { env })).stdout) as { sources: { webhook?: { missing_events: string[] } }[] };
    expect(status.sources[0]!.webhook!.missing_events).toEqual(health.missing_events);

    // A webhook table added: PostHog's webhook step cannot add the events; apply says so once, and succeeds.
    await world.write(yaml(billing('      Customer: { sync: webhook }\n      Invoice: { sync: webhook }\n')));
    const from = world.emulator.requests.length;
    const out = await applied(env);
    expect(out.match(/Action needed/g), out).toHaveLength(1);
    expect(out).toContain('customer.updated');
    // One PATCH for the table, no repair PATCH re-switching a webhook table.
    const schemaWrites = requestPaths(from).filter((p) => /^PATCH .*(external_data_schemas|bulk_update_schemas)/.test(p));
    const patchedIds = world.emulator.requests.slice(from).filter((q) => q.method === 'PATCH' && /external_data_schemas\//.test(q.path) && q.status === 200);
    expect(patchedIds).toHaveLength(1);
    expect(schemaWrites.length).toBeLessThanOrEqual(2); // the refused bulk call and its per-schema fallback
    expect(source!.hogFunction!.inputs.signing_secret).toBe(WEBHOOK_SECRET);

    // Converged: the next plan is a warning only, and another apply sends nothing.
    await converged(env);
    const again = world.emulator.requests.length;
    const second = await run(world, ['apply', '--yes'], { env });
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(requestPaths(again).filter((p) => !p.startsWith('GET') && !p.includes('database_schema'))).toEqual([]);
  });
});

describe('switching tables of an existing Postgres source to cdc (API.md §2.12, §12: enable_cdc first)', () => {
  it('on a database without logical WAL: plan errors with PostHog\'s text at the cdc: block and at the table without a key; nothing applies', async () => {
    await world.write(shopFile('      orders:\n        sync: full_refresh\n      audit_log:\n        sync: full_refresh\n'));
    await applied();
    await world.write(shopFile('      orders:\n        sync: cdc\n      audit_log:\n        sync: cdc\n    cdc:\n      management: posthog\n'));
    const r = await run(world, ['plan', '--format', 'json']);
    expect(r.exitCode).toBe(1);
    const plan = JSON.parse(r.stdout) as PlanJson;
    const cdc = plan.diagnostics.filter((d) => d.code === 'cdc-prerequisites');
    const wal = cdc.filter((d) => d.message.includes('wal_level'));
    // Both checks report wal_level; the plan says it once, at the source's cdc: block.
    expect(wal).toHaveLength(1);
    expect(wal[0]!.path).toBe('/sources/shop_db/cdc');
    expect(cdc.some((d) => d.path === '/sources/shop_db/tables/audit_log/sync')).toBe(true);
    expect(world.emulator.requests.some((q) => q.path.includes('check_cdc_prerequisites_for_source'))).toBe(true);
    const apply = await run(world, ['apply', '--yes']);
    expect(apply.exitCode).toBe(1);
    expect(world.emulator.requests.some((q) => q.path.includes('enable_cdc'))).toBe(false);
  });

  it('a read-only plan shows the enable without making the POST check, and says so', async () => {
    await world.write(shopFile('      orders:\n        sync: full_refresh\n'));
    await applied();
    await world.write(shopFile('      orders:\n        sync: cdc\n'));
    const from = world.emulator.requests.length;
    const r = await run(world, ['plan', '--read-only', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanJson & { read_only: { not_checked: string[] } };
    expect(plan.changes.find((c) => c.address === 'source.shop_db')).toMatchObject({ action: 'update', after: { cdc: { enabled: true, management: 'posthog' } } });
    expect(plan.read_only.not_checked.join(' ')).toContain('check_cdc_prerequisites_for_source');
    expect(requestPaths(from).filter((p) => p.startsWith('POST'))).toEqual([]);
  });

  describe('on a PostgreSQL with logical WAL (system PostgreSQL)', () => {
    const pg = useSystemPostgres(world);
    const file = (s: PgServer, tables: string, cdc = '') => yaml(cdcDbSource(s, { tables, cdc }));

    it('plan shows "enable CDC" after PostHog\'s check; apply sends enable_cdc before the switch with the detected key; the table streams; the next plan is clean', async (ctx) => {
      const s = pg.require(ctx);
      const env = cdcDbEnv(s);
      await world.write(file(s, '      orders:\n        sync: full_refresh\n      events:\n        sync: incremental\n        incremental_field: occurred_at\n'));
      await applied(env);
      const [source] = world.emulator.state.liveSources();
      expect(source!.jobInputs.cdc_enabled).toBeUndefined();
      const orders = () => [...world.emulator.state.schemas.values()].find((x) => x.name === 'orders' && !x.deleted)!;
      await waitFor(async () => orders().status === 'Completed');

      await world.write(file(s, '      orders:\n        sync: cdc\n      events:\n        sync: incremental\n        incremental_field: occurred_at\n', '    cdc:\n      management: posthog\n      slot_name: dwctl_slot\n      publication_name: dwctl_pub\n'));
      const from = world.emulator.requests.length;
      const plan = await planJson(env);
      const checks = world.emulator.requests.slice(from).filter((q) => q.path.includes('check_cdc_prerequisites_for_source'));
      expect(checks.map((q) => q.body)).toEqual([{ cdc_management_mode: 'posthog', cdc_slot_name: 'dwctl_slot', cdc_publication_name: 'dwctl_pub' }]);
      const sourceChange = plan.changes.find((c) => c.address === 'source.cdc_db')!;
      expect(sourceChange).toMatchObject({
        action: 'update',
        before: { cdc: { enabled: false } },
        after: { cdc: { enabled: true, management: 'posthog', slot_name: 'dwctl_slot', publication_name: 'dwctl_pub' } },
      });
      expect(sourceChange.reason).toBe('enable CDC on source cdc_db (posthog management, slot dwctl_slot, publication dwctl_pub) before orders switches to cdc');
      expect(plan.changes.find((c) => c.address === 'source.cdc_db.table.orders')).toMatchObject({ action: 'update', after: { sync_type: 'cdc', primary_key_columns: ['id'] } });
      expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const text = await run(world, ['plan'], { env });
      expect(text.stdout).toContain('~ cdc.enabled = false → true');

      const applyFrom = world.emulator.requests.length;
      await applied(env);
      const writes = requestPaths(applyFrom).filter((p) => !p.startsWith('GET'));
      const enable = writes.findIndex((p) => p.endsWith('/enable_cdc/'));
      const firstTablePatch = writes.findIndex((p) => /PATCH .*(bulk_update_schemas|external_data_schemas)/.test(p));
      expect(enable).toBeGreaterThanOrEqual(0);
      expect(firstTablePatch).toBeGreaterThan(enable);
      expect(bodies(world.emulator, 'POST', /enable_cdc\/?$/)).toEqual([{ cdc_management_mode: 'posthog', cdc_slot_name: 'dwctl_slot', cdc_publication_name: 'dwctl_pub' }]);
      expect(source!.jobInputs).toMatchObject({ cdc_enabled: true, cdc_slot_name: 'dwctl_slot', cdc_publication_name: 'dwctl_pub' });
      const status = (await call(world.emulator, 'GET', `external_data_sources/${source!.id}/cdc_status/`)).body;
      expect(status).toMatchObject({ enabled: true, slot_exists: true, publication_exists: true, published_tables: ['public.orders'] });
      expect(orders()).toMatchObject({ syncType: 'cdc', primaryKeyColumns: ['id'] });
      await converged(env);
    });
  });
});
