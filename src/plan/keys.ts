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
