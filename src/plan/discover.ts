import { offeredSyncTypes } from '../sources/index.js';
import type { DiscoveredTableInfo } from './observed.js';
import { realCandidates, recommend, type Recommendation } from './recommend.js';

/** One discovered table, summarised for people (`dwctl discover`): never the raw JSON. */
export interface TableSummary {
  table: string;
  rows: number | null;
  sync_types: string[];
  incremental_fields: { field: string; type: string; indexed: boolean | null }[];
  primary_key: string[] | null;
  recommended: Recommendation;
  problems: string[];
  declared: string | null;
}

export function summariseTables(tables: readonly DiscoveredTableInfo[], declared: ReadonlyMap<string, string>): TableSummary[] {
  return [...tables]
    .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0))
    .map((t) => ({
      table: t.table,
      rows: t.rows,
      sync_types: offeredSyncTypes(t),
      incremental_fields: realCandidates(t).map((f) => ({ field: f.field, type: f.field_type, indexed: f.is_indexed ?? null })),
      primary_key: t.detected_primary_keys,
      recommended: recommend(t),
      problems: [t.permission_error, t.rls_warning].filter((p): p is string => typeof p === 'string' && p.length > 0),
      declared: declared.get(t.table) ?? null,
    }));
}

/** The table entry `discover --add` writes: the recommended setting, nothing implicit. */
export function recommendedEntry(summary: TableSummary): Record<string, unknown> {
  const entry: Record<string, unknown> = { sync: summary.recommended.sync };
  if (summary.recommended.incremental_field) entry.incremental_field = summary.recommended.incremental_field;
  return entry;
}
