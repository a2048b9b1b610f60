import { offeredSyncTypes, warehouseTableName } from '../sources/index.js';
import type { DiscoveredTableInfo } from './observed.js';
import { realCandidates, recommend, type Recommendation, type RowCount, type SourceTraits } from './recommend.js';

/** One discovered table, summarised for people (`dwctl discover`): never the raw JSON. */
export interface TableSummary {
  table: string;
  /** The table's name in PostHog's warehouse (API.md §6), the name HogQL queries use. */
  warehouse_table: string;
  rows: number | null;
  /** The rows are an estimate from the source database (`--count-rows`), not PostHog's count. */
  rows_estimated: boolean;
  sync_types: string[];
  incremental_fields: { field: string; type: string; indexed: boolean | null; nullable: boolean | null }[];
  primary_key: string[] | null;
  recommended: Recommendation;
  problems: string[];
  declared: string | null;
}

export interface SummaryOptions {
  source_type: string;
  prefix: string | null;
  traits?: SourceTraits;
  /** Estimates by table name (`--count-rows`); PostHog's own count wins where it has one. */
  estimates?: ReadonlyMap<string, RowCount>;
}

export function summariseTables(tables: readonly DiscoveredTableInfo[], declared: ReadonlyMap<string, string>, options: SummaryOptions): TableSummary[] {
  return [...tables]
    .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0))
    .map((t) => {
      const estimate = t.rows === null ? options.estimates?.get(t.table) : undefined;
      const rows: RowCount | null = t.rows !== null ? { value: t.rows, estimate: false } : (estimate ?? null);
      return {
        table: t.table,
        warehouse_table: warehouseTableName(options.prefix, options.source_type, t.table),
        rows: rows?.value ?? null,
        rows_estimated: rows?.estimate ?? false,
        sync_types: offeredSyncTypes(t),
        incremental_fields: realCandidates(t).map((f) => ({ field: f.field, type: f.field_type, indexed: f.is_indexed ?? null, nullable: f.nullable ?? null })),
        primary_key: t.detected_primary_keys,
        recommended: recommend(t, { ...(options.traits ? { traits: options.traits } : {}), rows }),
        problems: [t.permission_error, t.rls_warning].filter((p): p is string => typeof p === 'string' && p.length > 0),
        declared: declared.get(t.table) ?? null,
      };
    });
}

/** The table entry `discover --add` writes: the recommended setting, nothing implicit. */
export function recommendedEntry(summary: TableSummary): Record<string, unknown> {
  const entry: Record<string, unknown> = { sync: summary.recommended.sync };
  if (summary.recommended.incremental_field) entry.incremental_field = summary.recommended.incremental_field;
  return entry;
}

/**
 * The discovered table a name given to `discover --add` means: the exact name, else the one
 * schema-qualified name that ends in it (`orders` for `public.orders` when the source has no `schema`),
 * else a case-insensitive match when only one table has it. Null when none or ambiguous.
 */
export function resolveTableName(name: string, discovered: readonly string[]): string | null {
  if (discovered.includes(name)) return name;
  const qualified = discovered.filter((d) => d.endsWith(`.${name}`));
  if (qualified.length === 1) return qualified[0]!;
  if (qualified.length > 1) return null;
  const folded = discovered.filter((d) => d.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0]! : null;
}
