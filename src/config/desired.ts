import type { ParsedFile } from './parse.js';
import { isRecord } from './record.js';
import type { SyncFrequency, SyncType } from '../wizard/catalog.js';
import { parseIgnorePattern, type IgnorePattern } from './unmanaged.js';

/**
 * The desired state: what a lint-clean warehouse.yaml declares, normalised (defaults applied, tables
 * sorted). References are still unresolved strings here; plan/apply resolve them at the edge.
 */
export interface DesiredState {
  file: string;
  sources: DesiredSource[];
  /** `unmanaged.ignore`: remote sources other teams own, neither reported nor pruned (see isIgnored). */
  unmanaged: { ignore: IgnorePattern[] };
}

export interface DesiredSource {
  name: string;
  type: string;
  /** PostHog stores a blank prefix as null; both mean "no prefix". */
  prefix: string;
  description: string | null;
  config: Record<string, unknown>;
  tables: DesiredTable[];
  webhook: Record<string, unknown> | null;
  cdc: DesiredCdc | null;
  /** `moved_from`: the prefix this source had before; the source under it is replaced by this one. */
  moved_from: string | null;
}

export interface DesiredCdc {
  management: 'posthog' | 'self_managed';
  slot_name: string | null;
  publication_name: string | null;
  auto_drop_slot: boolean | null;
  table_mode: 'consolidated' | 'cdc_only' | 'both' | null;
}

export interface DesiredTable {
  name: string;
  sync: SyncType;
  incremental_field: string | null;
  incremental_field_type: string | null;
  primary_key: string[] | null;
  sync_frequency: SyncFrequency;
  /** true when the file sets sync_frequency itself (not from defaults). */
  sync_frequency_declared: boolean;
  sync_time_of_day: string | null;
}

export const FALLBACK_SYNC_FREQUENCY: SyncFrequency = '24hour';

/** Build the desired state from a lint-clean file (lint errors stop plan before this is called). */
export function toDesired(parsed: ParsedFile): DesiredState {
  const root = isRecord(parsed.value) ? parsed.value : {};
  const defaults = isRecord(root.defaults) ? root.defaults : {};
  const defaultFrequency = (typeof defaults.sync_frequency === 'string' ? defaults.sync_frequency : FALLBACK_SYNC_FREQUENCY) as SyncFrequency;
  const sources: DesiredSource[] = [];
  for (const [name, raw] of Object.entries(isRecord(root.sources) ? root.sources : {})) {
    if (!isRecord(raw)) continue;
    const tables: DesiredTable[] = [];
    for (const [table, entry] of Object.entries(isRecord(raw.tables) ? raw.tables : {})) {
      if (!isRecord(entry)) continue;
      tables.push({
        name: table,
        sync: entry.sync as SyncType,
        incremental_field: typeof entry.incremental_field === 'string' ? entry.incremental_field : null,
        incremental_field_type: typeof entry.incremental_field_type === 'string' ? entry.incremental_field_type : null,
        primary_key: Array.isArray(entry.primary_key) ? entry.primary_key.map(String) : null,
        sync_frequency: (typeof entry.sync_frequency === 'string' ? entry.sync_frequency : defaultFrequency) as SyncFrequency,
        sync_frequency_declared: typeof entry.sync_frequency === 'string',
        sync_time_of_day: typeof entry.sync_time_of_day === 'string' ? entry.sync_time_of_day : null,
      });
    }
    tables.sort((a, b) => compareNames(a.name, b.name));
    const cdc = isRecord(raw.cdc) ? raw.cdc : null;
    sources.push({
      name,
      type: String(raw.type),
      prefix: typeof raw.prefix === 'string' ? raw.prefix : '',
      description: typeof raw.description === 'string' ? raw.description : null,
      config: isRecord(raw.config) ? raw.config : {},
      tables,
      webhook: isRecord(raw.webhook) ? raw.webhook : null,
      cdc: cdc
        ? {
            management: cdc.management === 'self_managed' ? 'self_managed' : 'posthog',
            slot_name: typeof cdc.slot_name === 'string' ? cdc.slot_name : null,
            publication_name: typeof cdc.publication_name === 'string' ? cdc.publication_name : null,
            auto_drop_slot: typeof cdc.auto_drop_slot === 'boolean' ? cdc.auto_drop_slot : null,
            table_mode: (typeof cdc.table_mode === 'string' ? cdc.table_mode : null) as DesiredCdc['table_mode'],
          }
        : null,
      moved_from: typeof raw.moved_from === 'string' ? raw.moved_from : null,
    });
  }
  sources.sort((a, b) => compareNames(a.name, b.name));
  return { file: parsed.file, sources, unmanaged: { ignore: ignorePatterns(root.unmanaged) } };
}

/** The valid patterns of `unmanaged.ignore`, in file order (lint reports the invalid ones). */
function ignorePatterns(unmanaged: unknown): IgnorePattern[] {
  const list = isRecord(unmanaged) && Array.isArray(unmanaged.ignore) ? unmanaged.ignore : [];
  const patterns: IgnorePattern[] = [];
  for (const entry of list) {
    if (typeof entry !== 'string') continue;
    const parsed = parseIgnorePattern(entry);
    if (parsed.ok) patterns.push(parsed.pattern);
  }
  return patterns;
}

/** Byte-order comparison: deterministic across locales. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
