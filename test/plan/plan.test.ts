import { describe, expect, it } from 'vitest';
import { planScenario, remote, schema, SHOP_CONFIG, SHOP_TABLES, SHOP_YAML, stripeTable, table } from '../helpers/plan-fixtures.js';
import type { Plan, TableChange } from '../../src/plan/types.js';
import { billingStripeYaml } from '../helpers/yaml-fixtures.js';

const codes = (plan: Plan) => plan.diagnostics.map((d) => d.code);
const change = (plan: Plan, address: string) => plan.changes.find((c) => c.address === address);

describe('a new Postgres source', () => {
  const plan = planScenario({ yaml: SHOP_YAML, sources: { shop_db: { discovery: { ok: true, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG } } });

  it('creates the source with every undeclared discovered table listed to be turned off', () => {
    const source = change(plan, 'source.shop_db')!;
    expect(source.action).toBe('create');
    expect(source.after).toMatchObject({ source_type: 'Postgres', prefix: 'shop_', tables_off: ['audit_log'] });
  });

  it('never puts a secret in the plan: the password is "(sensitive)"', () => {
    expect((change(plan, 'source.shop_db')!.after!.config as Record<string, unknown>).password).toBe('(sensitive)');
    expect(JSON.stringify(plan)).not.toContain(SHOP_CONFIG.password);
  });

  it('creates each declared table with settings resolved from discovery and the warehouse table name', () => {
    expect(change(plan, 'source.shop_db.table.orders')).toMatchObject({
      action: 'create',
      warehouse_table: 'shop_postgres_orders',
      after: { should_sync: true, sync_type: 'incremental', incremental_field: 'updated_at', incremental_field_type: 'timestamp', primary_key_columns: ['id'], sync_frequency: '1hour', sync_time_of_day: null },
    });
    // No frequency declared: the file's default (24hour) applies; CDC keeps PostHog's 5-minute default.
    expect(change(plan, 'source.shop_db.table.users')!.after).toMatchObject({ sync_type: 'full_refresh', sync_frequency: '24hour', primary_key_columns: null });
    expect(change(plan, 'source.shop_db.table.events')!.after).toMatchObject({ sync_type: 'cdc', sync_frequency: '5min', primary_key_columns: ['id'] });
  });

  it('counts the changes, and is applyable', () => {
    expect(plan.summary).toEqual({ create: 4, update: 0, delete: 0, no_op: 0 });
    expect(plan.applyable).toBe(true);
  });

  it('orders changes: source, then its tables by name', () => {
    expect(plan.changes.map((c) => c.address)).toEqual(['source.shop_db', 'source.shop_db.table.events', 'source.shop_db.table.orders', 'source.shop_db.table.users']);
  });

  it('recommends incremental for a full-refresh table that has an updated-at field', () => {
    const note = plan.diagnostics.find((d) => d.code === 'recommended-sync');
    expect(note).toMatchObject({ severity: 'info', path: '/sources/shop_db/tables/users/sync' });
    expect(note!.message).toContain('incremental_field: updated_at');
  });

  it('positions changes at their declaration', () => {
    expect(change(plan, 'source.shop_db.table.orders')!.position).toMatchObject({ line: 13, column: 7 });
  });
});

describe('a new Stripe source with webhook tables', () => {
  const yaml = billingStripeYaml('      Customer: {sync: webhook}\n      Charge: {sync: append, incremental_field: created_at}\n', true);
  const plan = planScenario({
    yaml,
    sources: { billing: { discovery: { ok: true, tables: [stripeTable('Customer'), stripeTable('Charge'), stripeTable('Invoice')] }, resolvedConfig: { auth_method: { selection: 'api_key', stripe_secret_key: 'rk_live_x' } } } },
  });

  it('plans the webhook after the source and its tables', () => {
    expect(plan.changes.map((c) => `${c.action} ${c.address}`)).toEqual(['create source.billing', 'create source.billing.table.Charge', 'create source.billing.table.Customer', 'create source.billing.webhook']);
    expect(change(plan, 'source.billing.webhook')!.after).toEqual({ tables: ['Customer'], signing_secret: '(sensitive)' });
  });

  it("stores Stripe's real field when the file names the discovered label", () => {
    expect(change(plan, 'source.billing.table.Charge')!.after).toMatchObject({ incremental_field: 'created', incremental_field_type: 'integer' });
  });

  it('names warehouse tables in lower case', () => {
    expect((change(plan, 'source.billing.table.Customer') as TableChange).warehouse_table).toBe('billing_stripe_customer');
  });
});

describe('an existing source with drift', () => {
  const existing = remote('src-1', 'Postgres', 'shop_', [
    schema('orders', { sync_type: 'full_refresh', sync_frequency: '1hour' }),
    schema('users', { sync_type: 'full_refresh', sync_frequency: '24hour' }),
    schema('audit_log', { sync_type: 'full_refresh', should_sync: true }),
  ], { job_inputs: { host: 'db.example.com', port: 5432, database: 'shop', user: 'reader', cdc_enabled: true, cdc_management_mode: 'posthog' } });
  const plan = planScenario({ yaml: SHOP_YAML, remoteSources: [existing], sources: { shop_db: { discovery: { ok: true, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG, remote: existing } } });

  it('updates a changed sync type with only the differing fields', () => {
    expect(change(plan, 'source.shop_db.table.orders')).toMatchObject({
      action: 'update',
      remote_id: 'schema-orders',
      before: { sync_type: 'full_refresh', incremental_field: null, incremental_field_type: null },
      after: { sync_type: 'incremental', incremental_field: 'updated_at', incremental_field_type: 'timestamp' },
    });
  });

  it('leaves an unchanged table as a no-op', () => {
    expect(change(plan, 'source.shop_db.table.users')).toMatchObject({ action: 'no-op', before: null, after: null });
  });

  it('disables a table dropped from the file, never deletes it', () => {
    expect(change(plan, 'source.shop_db.table.audit_log')).toMatchObject({ action: 'update', before: { should_sync: true }, after: { should_sync: false } });
  });

  it('creates a declared table PostHog has no schema row for yet', () => {
    expect(change(plan, 'source.shop_db.table.events')).toMatchObject({ action: 'create', remote_id: null });
  });

  it('sees no source-level change when the non-secret config matches (secrets are not compared)', () => {
    expect(change(plan, 'source.shop_db')!.action).toBe('no-op');
  });

  it('enables CDC on the source (source update cdc.enabled false → true) when the file has CDC tables and PostHog\'s source has none (API.md §2.12)', () => {
    const withoutCdc = remote('src-1', 'Postgres', 'shop_', existing.schemas, { job_inputs: { host: 'db.example.com', port: 5432, database: 'shop', user: 'reader' } });
    const p = planScenario({
      yaml: SHOP_YAML,
      remoteSources: [withoutCdc],
      sources: { shop_db: { discovery: { ok: true, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG, remote: withoutCdc, cdcEnable: { valid: true, errors: [] } } },
    });
    expect(change(p, 'source.shop_db')).toMatchObject({
      action: 'update',
      before: { cdc: { enabled: false } },
      after: { cdc: { enabled: true, management: 'posthog', slot_name: null, publication_name: null } },
      reason: 'enable CDC on source shop_db (posthog management, slot and publication named by PostHog) before events switches to cdc',
    });
    expect(change(p, 'source.shop_db')!.after).not.toHaveProperty('config');
  });

  it('reports both CDC checks once per problem: at the table named, else at the cdc: block (API.md §2.12, §8)', () => {
    const withoutCdc = remote('src-1', 'Postgres', 'shop_', existing.schemas, { job_inputs: { host: 'db.example.com', port: 5432, database: 'shop', user: 'reader' } });
    const wal = "wal_level must be set to 'logical' (currently 'replica').";
    const p = planScenario({
      yaml: SHOP_YAML.replace('      events:\n        sync: cdc\n', '      events:\n        sync: cdc\n    cdc:\n      management: posthog\n'),
      remoteSources: [withoutCdc],
      sources: {
        shop_db: {
          discovery: { ok: true, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG, remote: withoutCdc,
          cdc: { valid: false, errors: [wal, "Table 'public.events' has no primary key. CDC requires a primary key on each table."] },
          cdcEnable: { valid: false, errors: [wal] },
        },
      },
    });
    const cdc = p.diagnostics.filter((d) => d.code === 'cdc-prerequisites');
    // In file order: the table, then the cdc: block below it; wal_level (reported by both checks) once.
    expect(cdc.map((d) => [d.path, d.severity])).toEqual([
      ['/sources/shop_db/tables/events/sync', 'error'],
      ['/sources/shop_db/cdc', 'error'],
    ]);
    expect(cdc.filter((d) => d.message.includes('wal_level'))).toHaveLength(1);
    expect(p.applyable).toBe(false);
  });

  it('plans a source update when the host changed', () => {
    const moved = remote('src-1', 'Postgres', 'shop_', existing.schemas, { job_inputs: { host: 'old.example.com', port: 5432, database: 'shop', user: 'reader' } });
    const p = planScenario({ yaml: SHOP_YAML, remoteSources: [moved], sources: { shop_db: { discovery: { ok: true, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG, remote: moved } } });
    expect(change(p, 'source.shop_db')).toMatchObject({ action: 'update', before: { config: { host: 'old.example.com' } }, after: { config: { host: 'db.example.com' } } });
  });
});

describe('sources the file does not declare', () => {
  const stranger = remote('src-9', 'Stripe', 'old_', [schema('Charge')]);
  const observed = { shop_db: { discovery: { ok: true as const, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG } };

  it('are reported, not deleted, without --prune', () => {
    const plan = planScenario({ yaml: SHOP_YAML, remoteSources: [stranger], sources: observed });
    expect(codes(plan)).toContain('unmanaged-source');
    expect(plan.changes.some((c) => c.action === 'delete')).toBe(false);
  });

  it('are deleted with --prune', () => {
    const plan = planScenario({ yaml: SHOP_YAML, remoteSources: [stranger], sources: observed, prune: true });
    expect(plan.changes.filter((c) => c.action === 'delete')).toMatchObject([{ remote_id: 'src-9', before: { source_type: 'Stripe', prefix: 'old_', tables: ['Charge'] } }]);
    expect(plan.summary.delete).toBe(1);
  });

  it('are not touched when the plan is limited with --source', () => {
    const plan = planScenario({ yaml: SHOP_YAML, remoteSources: [stranger], sources: observed, prune: true, only: ['shop_db'] });
    expect(plan.changes.some((c) => c.action === 'delete')).toBe(false);
  });

  it('a renamed prefix is a new source, and the plan says what becomes of the old one', () => {
    const old = remote('src-2', 'Postgres', 'shopdb_', []);
    const plan = planScenario({ yaml: SHOP_YAML, remoteSources: [old], sources: observed });
    expect(change(plan, 'source.shop_db')!.action).toBe('create');
    const note = plan.diagnostics.find((d) => d.code === 'prefix-change');
    expect(note?.message).toContain('"shopdb_"');
    expect(note?.path).toBe('/sources/shop_db/prefix');
  });
});

describe('plan diagnostics', () => {
  const withTables = (tables: ReturnType<typeof table>[], yaml = SHOP_YAML) => planScenario({ yaml, sources: { shop_db: { discovery: { ok: true, tables }, resolvedConfig: SHOP_CONFIG } } });

  it('table-not-found, with a did-you-mean, at the table key', () => {
    const plan = withTables([table('order', { fields: [['updated_at', 'timestamp']] }), ...SHOP_TABLES.slice(1)]);
    const d = plan.diagnostics.find((x) => x.code === 'table-not-found')!;
    expect(d).toMatchObject({ line: 13, column: 7, path: '/sources/shop_db/tables/orders' });
    expect(d.message).toContain('Did you mean "order"?');
    expect(plan.applyable).toBe(false);
  });

  it('sync-type-unavailable when CDC is not enabled for the project', () => {
    const plan = withTables([...SHOP_TABLES.filter((t) => t.table !== 'events'), table('events', { fields: [['id', 'integer']], cdc_available: null })]);
    expect(plan.diagnostics.find((d) => d.code === 'sync-type-unavailable')).toMatchObject({ path: '/sources/shop_db/tables/events/sync', line: 20, column: 15 });
  });

  it('incremental-field-invalid lists the candidates', () => {
    const plan = withTables([table('orders', { fields: [['id', 'integer'], ['modified', 'timestamp']] }), ...SHOP_TABLES.slice(1)]);
    const d = plan.diagnostics.find((x) => x.code === 'incremental-field-invalid')!;
    expect(d.path).toBe('/sources/shop_db/tables/orders/incremental_field');
    expect(d.message).toContain('Candidates: id, modified');
  });

  it('prefer-updated-at when a created-at field is chosen over an updated-at one', () => {
    const yaml = SHOP_YAML.replace('incremental_field: updated_at', 'incremental_field: created_at');
    const plan = withTables(SHOP_TABLES, yaml);
    expect(plan.diagnostics.find((d) => d.code === 'prefer-updated-at')).toMatchObject({ severity: 'warning', path: '/sources/shop_db/tables/orders/incremental_field' });
    expect(plan.applyable).toBe(true);
  });

  it('table-permission-error carries PostHog\'s text', () => {
    const plan = withTables([table('orders', { fields: [['updated_at', 'timestamp']], permission_error: 'permission denied for table orders' }), ...SHOP_TABLES.slice(1)]);
    expect(plan.diagnostics.find((d) => d.code === 'table-permission-error')!.message).toContain('permission denied for table orders');
  });

  it('webhook-only-table', () => {
    const yaml = `version: 1
sources:
  billing:
    type: Stripe
    prefix: billing_
    config: {auth_method: {selection: api_key, stripe_secret_key: "\${K}"}}
    tables:
      Discount: {sync: full_refresh}
`;
    const plan = planScenario({ yaml, sources: { billing: { discovery: { ok: true, tables: [stripeTable('Discount', { webhook_only: true })] } } } });
    expect(codes(plan)).toEqual(['webhook-only-table']);
  });

  it('costly-sync for a large full refresh, with the monthly estimate', () => {
    const plan = withTables([...SHOP_TABLES.filter((t) => t.table !== 'users'), table('users', { fields: [], rows: 2_000_000, incremental_available: false, append_available: false })]);
    const d = plan.diagnostics.find((x) => x.code === 'costly-sync')!;
    expect(d.message).toContain('60,000,000 rows a month');
    expect(plan.cost.known_rows_per_month).toBe(60_000_000);
  });

  it('costly-sync for a full refresh more often than daily when a cheaper mode exists', () => {
    const yaml = SHOP_YAML.replace('        sync: full_refresh', '        sync: full_refresh\n        sync_frequency: 15min');
    const plan = withTables(SHOP_TABLES, yaml);
    const d = plan.diagnostics.find((x) => x.code === 'costly-sync')!;
    expect(d.path).toBe('/sources/shop_db/tables/users/sync_frequency');
    expect(d.message).toContain('rows unknown');
  });

  it('credentials-rejected carries PostHog\'s message and plans nothing for the source', () => {
    const plan = planScenario({ yaml: SHOP_YAML, sources: { shop_db: { discovery: { ok: false, message: 'The database rejected the username or password.' } } } });
    expect(plan.diagnostics).toMatchObject([{ code: 'credentials-rejected', path: '/sources/shop_db/config', line: 6, column: 5 }]);
    expect(plan.diagnostics[0]!.message).toContain('The database rejected the username or password.');
    expect(plan.changes).toEqual([]);
  });

  it('cdc-prerequisites, one per problem, at the table it names', () => {
    const plan = planScenario({
      yaml: SHOP_YAML,
      sources: { shop_db: { discovery: { ok: true, tables: SHOP_TABLES }, cdc: { valid: false, errors: ["wal_level must be set to 'logical' (currently 'replica').", "Table 'public.events' has no primary key."] } } },
    });
    expect(plan.diagnostics.filter((d) => d.code === 'cdc-prerequisites').map((d) => d.path)).toEqual(['/sources/shop_db/tables/events/sync', '/sources/shop_db/tables/events/sync']);
  });
});

describe('cdc.table_mode (API.md §2.3 create schemas[].cdc_table_mode, §2.13 schema PATCH)', () => {
  const withMode = (mode: string | null) => SHOP_YAML.replace('      events:\n        sync: cdc\n', `      events:\n        sync: cdc\n${mode ? `    cdc:\n      table_mode: ${mode}\n` : ''}`);

  it('a new CDC table carries the declared mode; other sync types carry none', () => {
    const plan = planScenario({ yaml: withMode('cdc_only'), sources: { shop_db: { discovery: { ok: true, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG } } });
    expect(change(plan, 'source.shop_db.table.events')!.after!.cdc_table_mode).toBe('cdc_only');
    expect(change(plan, 'source.shop_db.table.orders')!.after).not.toHaveProperty('cdc_table_mode');
  });

  it('without a declared mode, a CDC table gets PostHog\'s default (consolidated)', () => {
    const plan = planScenario({ yaml: withMode(null), sources: { shop_db: { discovery: { ok: true, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG } } });
    expect(change(plan, 'source.shop_db.table.events')!.after!.cdc_table_mode).toBe('consolidated');
  });

  const existing = (remoteMode: string | null) =>
    remote('src-1', 'Postgres', 'shop_', [
      schema('orders', { sync_type: 'incremental', incremental_field: 'updated_at', incremental_field_type: 'timestamp', sync_frequency: '1hour' }),
      schema('users'),
      schema('events', { sync_type: 'cdc', sync_frequency: '5min', primary_key_columns: ['id'], cdc_table_mode: remoteMode }),
    ], { job_inputs: { host: 'db.example.com', port: '5432', database: 'shop', user: 'reader', cdc_enabled: true } });

  it('is compared with PostHog: a different stored mode is an update of that field alone', () => {
    const plan = planScenario({ yaml: withMode('both'), remoteSources: [existing('consolidated')], sources: { shop_db: { discovery: { ok: true, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG, remote: existing('consolidated') } } });
    expect(change(plan, 'source.shop_db.table.events')).toMatchObject({ action: 'update', before: { cdc_table_mode: 'consolidated' }, after: { cdc_table_mode: 'both' } });
  });

  it('an equal mode (or PostHog\'s null, which means consolidated) is no change', () => {
    for (const stored of ['both', null]) {
      const mode = stored ?? 'consolidated';
      const plan = planScenario({ yaml: withMode(mode), remoteSources: [existing(stored)], sources: { shop_db: { discovery: { ok: true, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG, remote: existing(stored) } } });
      expect(change(plan, 'source.shop_db.table.events')!.action).toBe('no-op');
    }
  });
});
