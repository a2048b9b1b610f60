/**
 * Primary-key rules PostHog applies that plan must catch before apply (API.md §2.3 step 16, §12).
 */
import type { DiscoveredTableInfo } from './observed.js';

/**
 * PostHog's create refuses an incremental table with no key: none declared, none detected, and no `id` column
 * (in any case). It checks only when discovery listed the table's columns, and never for append.
 */
export function lacksIncrementalKey(sync: string, declared: readonly string[] | null | undefined, found: DiscoveredTableInfo): boolean {
  if (sync !== 'incremental') return false;
  const columns = found.available_columns ?? [];
  if (columns.length === 0) return false;
  if ((declared?.length ?? 0) > 0 || (found.detected_primary_keys?.length ?? 0) > 0) return false;
  return !columns.some((c) => c.field.toLowerCase() === 'id');
}

/** PostHog's refusal of a key change after data synced (API.md §2.13, §12), as plan reports it. */
export const KEY_CHANGE_REFUSAL = 'Primary key cannot be changed after data has been synced. Delete the synced data first, then change the primary key.';

/**
 * The key to send with a PATCH that switches an existing table to `cdc` or `xmin`: PostHog needs one in the
 * request or already stored, with no fallback to discovery (API.md §12). A table created as full_refresh has
 * none stored, so the file's key or else the detected one is sent. Undefined when nothing needs sending.
 */
export function keyForSwitch(desiredType: string, remote: { sync_type: string | null; primary_key_columns?: string[] | null }, declared: readonly string[] | null, detected: readonly string[] | null | undefined): string[] | undefined {
  if (desiredType !== 'cdc' && desiredType !== 'xmin') return undefined;
  if (remote.sync_type === desiredType || (remote.primary_key_columns?.length ?? 0) > 0) return undefined;
  const key = declared?.length ? declared : detected?.length ? detected : undefined;
  return key ? [...key] : undefined;
}

/**
 * Whether PostHog would refuse the key a PATCH sends, once the table's data has synced (API.md §2.13, §12):
 * a key different from an established (stored) one, for incremental, cdc and xmin. A table without a stored key
 * (created as full_refresh) may be given one: that is how it switches to cdc or xmin.
 */
export function refusesKeyChange(resultingType: string, sent: readonly string[] | null | undefined, remote: { primary_key_columns?: string[] | null; last_synced_at?: string | null; table?: unknown }): boolean {
  const stored = remote.primary_key_columns ?? [];
  const synced = (remote.last_synced_at ?? null) !== null || (remote.table ?? null) !== null;
  if (!synced || !sent?.length || stored.length === 0 || JSON.stringify([...sent]) === JSON.stringify(stored)) return false;
  return resultingType === 'incremental' || resultingType === 'cdc' || resultingType === 'xmin';
}
