import type { SyncFrequency, SyncType } from '../wizard/catalog.js';
import type { DiscoveredTableInfo, IncrementalFieldInfo } from './observed.js';

/**
 * The sync setting PostHog's data supports best for a table, following PostHog's own guide
 * (setup-flow.md): incremental on an updated-at field where there is one (it catches updates);
 * append for append-only tables (an ordering field but nothing that tracks updates); full refresh for
 * small tables without an ordering column; webhook-only tables by webhook.
 */
export interface Recommendation {
  sync: SyncType;
  incremental_field: string | null;
  reason: string;
}

const UPDATED_AT = /(^|_)(updated|modified|changed|last_modified|lastmodified)(_?at|_?on|_?date|_?time)?$|^(updatedat|modifiedat|lastmodifieddate|hs_lastmodifieddate|updated)$/i;
const CREATED_AT = /(^|_)(created|inserted|occurred|creat|timestamp|date|start)(_?at|_?on|_?date|_?time)?$|^created$/i;

export function isUpdatedAtField(field: IncrementalFieldInfo): boolean {
  return UPDATED_AT.test(field.field) || UPDATED_AT.test(field.label);
}

export function isCreatedAtField(field: IncrementalFieldInfo): boolean {
  return !isUpdatedAtField(field) && (CREATED_AT.test(field.field) || CREATED_AT.test(field.label));
}

/** Candidates excluding PostHog's synthetic xmin column (that one is for `sync: xmin`). */
export function realCandidates(table: DiscoveredTableInfo): IncrementalFieldInfo[] {
  return table.incremental_fields.filter((f) => f.field_type !== 'xid');
}

const TIME_TYPES = new Set(['timestamp', 'datetime', 'date', 'timestamptz']);

function isTimeField(field: IncrementalFieldInfo): boolean {
  return TIME_TYPES.has(field.field_type.toLowerCase());
}

export function recommend(table: DiscoveredTableInfo): Recommendation {
  if (table.webhook_only) return { sync: 'webhook', incremental_field: null, reason: 'PostHog can only sync this table by webhook' };
  const candidates = realCandidates(table);
  const updated = candidates.find(isUpdatedAtField);
  if (table.incremental_available && updated) {
    return { sync: 'incremental', incremental_field: updated.field, reason: `${updated.field} tracks updates, so only changed rows are imported` };
  }
  // Only a field that orders rows by arrival will do: a created-at style field, a time column, or the id.
  // An arbitrary number (customer_id, a count in an aggregate view) would silently skip rows.
  const ordering = candidates.find(isCreatedAtField) ?? candidates.find(isTimeField) ?? candidates.find((f) => f.field === 'id');
  if (table.append_available && ordering) {
    return {
      sync: 'append',
      incremental_field: ordering.field,
      reason: `no updated-at field: append on ${ordering.field} imports only new rows (right for append-only tables)`,
    };
  }
  if (table.incremental_available && ordering) {
    return { sync: 'incremental', incremental_field: ordering.field, reason: `incremental on ${ordering.field} imports only new rows` };
  }
  if (table.supports_webhooks) return { sync: 'webhook', incremental_field: null, reason: 'no ordering field; webhooks deliver changes as they happen' };
  return { sync: 'full_refresh', incremental_field: null, reason: 'no ordering column: a full refresh is the only correct choice; keep the frequency low' };
}

/** Syncs per month for a frequency (30-day month). */
export const SYNCS_PER_MONTH: Record<SyncFrequency, number> = {
  '5min': 8640,
  '15min': 2880,
  '30min': 1440,
  '1hour': 720,
  '6hour': 120,
  '12hour': 60,
  '24hour': 30,
  '7day': 4,
  '30day': 1,
  never: 0,
};
