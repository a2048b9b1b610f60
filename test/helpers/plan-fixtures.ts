import { loadFullParser, parseWarehouseFile, spanAt } from '../../src/config/parse.js';
import { toDesired } from '../../src/config/desired.js';
import { planChanges } from '../../src/plan/plan.js';
import type { ReadOnlyInfo } from '../../src/plan/read-only.js';
import type { DiscoveredTableInfo, ObservedSource, ObservedState, RemoteSchemaInfo, RemoteSourceInfo } from '../../src/plan/observed.js';
import type { Plan } from '../../src/plan/types.js';
import { bundledCatalog } from '../../src/sources/catalog.js';
import type { CostInput } from '../../src/plan/cost.js';

// parseWarehouseFile is synchronous: load the yaml parse path (lazy in the build) for the scenarios that need it.
await loadFullParser();

/** A discovered table as PostHog's database_schema returns it, with sensible Postgres-like defaults. */
export function table(name: string, overrides: Partial<DiscoveredTableInfo> & { fields?: [string, string][] } = {}): DiscoveredTableInfo {
  const { fields = [], ...rest } = overrides;
  const incremental_fields = fields.map(([field, type]) => ({ label: field, type, field, field_type: type }));
  return {
    table: name,
    incremental_fields,
    incremental_available: incremental_fields.length > 0,
    append_available: incremental_fields.length > 0,
    cdc_available: true,
    xmin_available: true,
    rows: null,
    supports_webhooks: false,
    webhook_only: false,
    detected_primary_keys: ['id'],
    permission_error: null,
    ...rest,
  };
}

export function stripeTable(name: string, overrides: Partial<DiscoveredTableInfo> = {}): DiscoveredTableInfo {
  return table(name, {
    incremental_available: false,
    append_available: true,
    cdc_available: null,
    xmin_available: null,
    supports_webhooks: true,
    detected_primary_keys: null,
    incremental_fields: [{ label: 'created_at', type: 'datetime', field: 'created', field_type: 'integer' }],
    ...overrides,
  });
}

export function schema(name: string, overrides: Partial<RemoteSchemaInfo> = {}): RemoteSchemaInfo {
  return { id: `schema-${name}`, name, should_sync: true, sync_type: 'full_refresh', sync_frequency: '24hour', sync_time_of_day: null, ...overrides };
}

export function remote(id: string, type: string, prefix: string | null, schemas: RemoteSchemaInfo[] = [], overrides: Partial<RemoteSourceInfo> = {}): RemoteSourceInfo {
  return { id, source_type: type, prefix, description: null, job_inputs: {}, schemas, ...overrides };
}

export interface Scenario {
  yaml: string;
  remoteSources?: RemoteSourceInfo[];
  sources?: Record<string, ObservedSource>;
  prune?: boolean;
  only?: string[] | null;
  maxRowsPerMonth?: number | null;
  readOnly?: ReadOnlyInfo | null;
}

export function planScenario(scenario: Scenario): Plan {
  const parsed = parseWarehouseFile('warehouse.yaml', scenario.yaml);
  if (parsed.diagnostics.length > 0) throw new Error(`fixture YAML is broken: ${parsed.diagnostics[0]!.message}`);
  const observed: ObservedState = { host: 'https://us.posthog.com', projectId: '1', remoteSources: scenario.remoteSources ?? [], sources: scenario.sources ?? {} };
  return planChanges({
    desired: toDesired(parsed),
    observed,
    catalog: bundledCatalog(),
    positions: { file: 'warehouse.yaml', span: (path, anchor) => spanAt(parsed, path, anchor) },
    observationDiagnostics: [],
    fileSha256: 'sha',
    remoteFingerprint: 'fp',
    version: 'test',
    options: { prune: scenario.prune ?? false, sources: scenario.only ?? null },
    maxRowsPerMonth: scenario.maxRowsPerMonth ?? null,
    readOnly: scenario.readOnly ?? null,
  });
}

export const SHOP_YAML = `version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
    config:
      host: db.example.com
      port: 5432
      database: shop
      user: reader
      password: \${SHOP_DB_PASSWORD}
    tables:
      orders:
        sync: incremental
        incremental_field: updated_at
        sync_frequency: 1hour
      users:
        sync: full_refresh
      events:
        sync: cdc
`;

export const SHOP_TABLES = [
  table('orders', { fields: [['id', 'integer'], ['created_at', 'timestamp'], ['updated_at', 'timestamp']] }),
  table('users', { fields: [['id', 'integer'], ['updated_at', 'timestamp']] }),
  table('events', { fields: [['id', 'integer'], ['occurred_at', 'timestamp']] }),
  table('audit_log', { fields: [['at', 'timestamp']], detected_primary_keys: null, cdc_available: false }),
];

export const SHOP_CONFIG = { host: 'db.example.com', port: 5432, database: 'shop', user: 'reader', password: 'hunter2-secret-value' };

/** One table's cost input (plan/cost.ts): a new Postgres full-refresh table, nothing counted yet. */
export function costInput(overrides: Partial<CostInput> = {}): CostInput {
  return {
    address: 'source.shop_db.table.orders',
    warehouse_table: 'shop_postgres_orders',
    source_type: 'Postgres',
    current: null,
    planned: { should_sync: true, sync_type: 'full_refresh', sync_frequency: '24hour' },
    syncedRows: null,
    discoveredRows: null,
    estimatedRows: null,
    observed: null,
    ...overrides,
  };
}
