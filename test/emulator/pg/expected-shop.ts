/**
 * Expected database_schema entries (API.md §5) for `pg/shop-seed.sql`, shared by the PGlite and
 * system-PostgreSQL suites. Written out by hand from PostHog's rules so a driver regression shows up
 * as a readable diff.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { DiscoveredTable, IncrementalField } from '../drivers/types.js';

export const shopSeedSql = readFileSync(fileURLToPath(new URL('./shop-seed.sql', import.meta.url)), 'utf8');

const col = (field: string, type: string, nullable: boolean) => ({ field, label: field, type, nullable });
const cand = (field: string, type: string, nullable: boolean, isIndexed = false): IncrementalField => ({
  label: field,
  type,
  field,
  field_type: type,
  nullable,
  is_indexed: isIndexed,
});
export const XMIN: IncrementalField = { label: 'xmin', type: 'xid', field: 'xmin', field_type: 'xid', is_indexed: false };

function entry(
  table: string,
  parts: { columns: DiscoveredTable['available_columns']; candidates: IncrementalField[]; pk: string[] | null; heap: boolean },
  cdc: boolean,
): DiscoveredTable {
  const fields = parts.heap ? [...parts.candidates, XMIN] : parts.candidates;
  return {
    table,
    label: null,
    should_sync: false,
    incremental_fields: fields,
    incremental_available: parts.candidates.length > 0,
    append_available: parts.candidates.length > 0,
    cdc_available: cdc ? parts.pk !== null : null,
    xmin_available: parts.heap,
    incremental_field: fields[0]?.field ?? null,
    sync_type: null,
    rows: null,
    supports_webhooks: false,
    webhook_only: false,
    description: null,
    should_sync_default: true,
    available_columns: parts.columns,
    detected_primary_keys: parts.pk,
    primary_key_detection_supported: true,
    permission_error: null,
    rls_warning: null,
  };
}

/** Entries for the seed's `public` schema, ordered by table name; `prefix` is '' or 'public.'. */
export function expectedShopTables(opts: { cdc: boolean; prefix?: string }): DiscoveredTable[] {
  const p = opts.prefix ?? '';
  const tz = 'timestamp with time zone';
  return [
    entry(
      `${p}audit_log`,
      {
        columns: [col('actor', 'text', true), col('action', 'text', true), col('at', tz, true), col('payload', 'jsonb', true)],
        candidates: [cand('at', 'timestamp', true)],
        pk: null,
        heap: true,
      },
      opts.cdc,
    ),
    entry(`${p}countries`, { columns: [col('code', 'text', false), col('name', 'text', false)], candidates: [], pk: ['code'], heap: true }, opts.cdc),
    entry(
      `${p}events`,
      {
        columns: [col('id', 'bigint', false), col('user_id', 'integer', true), col('name', 'text', false), col('occurred_at', tz, false)],
        candidates: [cand('id', 'integer', false, true), cand('user_id', 'integer', true), cand('occurred_at', 'timestamp', false)],
        pk: ['id'],
        heap: true,
      },
      opts.cdc,
    ),
    entry(
      `${p}order_totals`,
      {
        columns: [col('customer_id', 'integer', true), col('order_count', 'bigint', true), col('revenue', 'numeric', true)],
        candidates: [cand('customer_id', 'integer', true), cand('order_count', 'integer', true)],
        pk: null,
        heap: false,
      },
      opts.cdc,
    ),
    entry(
      `${p}orders`,
      {
        columns: [
          col('id', 'bigint', false),
          col('customer_id', 'integer', true),
          col('total', 'numeric', true),
          col('status', 'character varying', true),
          col('created_at', tz, false),
          col('updated_at', tz, true),
        ],
        candidates: [
          cand('id', 'integer', false, true),
          cand('customer_id', 'integer', true),
          cand('created_at', 'timestamp', false),
          cand('updated_at', 'timestamp', true, true),
        ],
        pk: ['id'],
        heap: true,
      },
      opts.cdc,
    ),
    entry(
      `${p}users`,
      {
        columns: [col('id', 'integer', false), col('email', 'text', false), col('signup_date', 'date', true), col('updated_at', tz, true)],
        candidates: [cand('id', 'integer', false, true), cand('signup_date', 'date', true), cand('updated_at', 'timestamp', true)],
        pk: ['id'],
        heap: true,
      },
      opts.cdc,
    ),
  ];
}
