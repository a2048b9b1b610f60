import type { DesiredSource } from '../config/desired.js';
import { primaryKeySource, sourceModule } from '../sources/index.js';
import type { RemoteSourceInfo } from './observed.js';
import type { TableSettings } from './plan.js';

/**
 * The read-only plan (issue 14): what a personal API key with only `external_data_source:read` can plan.
 * PostHog's credential check and table discovery (`database_schema`) and its CDC pre-flight
 * (`check_cdc_prerequisites`) are write-scoped actions (API.md §1), so such a plan diffs the file against
 * PostHog's existing sources and tables (list, retrieve, webhook_info: all read-scoped) and against the
 * wizard schema (lint), and says what it did not check. It is never applyable.
 */

/** Why the plan is read-only: `--read-only`, or PostHog refused the first write-scoped call with 403. */
export type ReadOnlyReason = 'flag' | 'key-without-write-scope';

export interface ReadOnlyInfo {
  reason: ReadOnlyReason;
  /** What a full plan checks and this one did not, for people (also in the read-only-plan notice). */
  not_checked: string[];
}

export const NOT_CHECKED: readonly string[] = [
  "the sources' credentials (PostHog's database_schema)",
  'that each declared table exists and offers its sync type, incremental field and primary key (table discovery)',
  'CDC prerequisites (check_cdc_prerequisites, check_cdc_prerequisites_for_source)',
  'cost estimates and sync recommendations (row counts come from discovery)',
  'config values whose ${...} references are not set where the plan ran',
];

export function readOnlyInfo(reason: ReadOnlyReason): ReadOnlyInfo {
  return { reason, not_checked: [...NOT_CHECKED] };
}

export function readOnlyMessage(info: ReadOnlyInfo): string {
  const why = info.reason === 'flag' ? 'Read-only plan (--read-only)' : 'Read-only plan: the API key lacks the external_data_source:write scope that validating credentials and discovering tables need (PostHog answered 403)';
  return `${why}: the file was compared with PostHog's existing sources and tables and with the wizard schema only. Not checked: ${info.not_checked.join('; ')}. This plan cannot be applied: run plan with a key that has external_data_source:write (for example where apply runs) for the full check.`;
}

/**
 * The settings a declared table asks for, taken from the file alone (no discovery): the declared sync type,
 * incremental field and keys; where the file leaves a value to PostHog (detected keys, the type of the
 * incremental field), what PostHog already stores for that table, so only real differences show.
 */
export function declaredSettings(source: DesiredSource, remote: RemoteSourceInfo | undefined): Map<string, TableSettings> {
  const stored = new Map((remote?.schemas ?? []).map((s) => [s.name, s]));
  const cdc = sourceModule(source.type).cdc;
  const settings = new Map<string, TableSettings>();
  for (const table of source.tables) {
    const schema = stored.get(table.name);
    const incremental = (table.sync === 'incremental' || table.sync === 'append') && table.incremental_field !== null;
    const sameField = incremental && schema?.incremental_field === table.incremental_field;
    const keys = primaryKeySource(table.sync);
    const tableCdc = table.sync === 'cdc' ? cdc : undefined;
    settings.set(table.name, {
      should_sync: true,
      sync_type: table.sync,
      incremental_field: incremental ? table.incremental_field : null,
      incremental_field_type: incremental ? (table.incremental_field_type ?? (sameField ? (schema?.incremental_field_type ?? null) : null)) : null,
      primary_key_columns: keys === 'declared-or-detected' ? (table.primary_key ?? schema?.primary_key_columns ?? null) : keys === 'detected' ? (schema?.primary_key_columns ?? null) : null,
      sync_frequency: tableCdc && !table.sync_frequency_declared ? tableCdc.defaultFrequency : table.sync_frequency,
      sync_time_of_day: table.sync_time_of_day,
      ...(tableCdc ? { cdc_table_mode: source.cdc?.table_mode ?? tableCdc.defaultTableMode } : {}),
    });
  }
  return settings;
}

/** The config as far as it resolved: values whose references are unset are left out, so they are not compared. */
export function withoutUnresolved(config: Record<string, unknown>, unresolvedPaths: readonly (readonly string[])[]): Record<string, unknown> {
  const copy = structuredClone(config);
  for (const path of unresolvedPaths) {
    let node: unknown = copy;
    for (const segment of path.slice(0, -1)) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    if (node !== null && typeof node === 'object') delete (node as Record<string, unknown>)[path[path.length - 1]!];
  }
  return copy;
}
