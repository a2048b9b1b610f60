import type { DiscoveredTableInfo } from '../posthog/observed.js';
import { SYNC_TYPES } from '../wizard/catalog.js';

/**
 * Whether a discovered table offers a sync type, from the availability flags PostHog's discovery reports
 * (API.md §2.4). The one place plan (sync-type-unavailable) and discover (the offered list) read them.
 * Returns why not, or undefined when it is offered.
 */
export function unavailableReason(sync: string, table: DiscoveredTableInfo): string | undefined {
  if (table.webhook_only && sync !== 'webhook') return 'it can only be synced via webhooks';
  switch (sync) {
    case 'incremental':
      return table.incremental_available ? undefined : 'it has no incremental field';
    case 'append':
      return table.append_available ? undefined : 'it has no field to append by';
    case 'cdc':
      if (table.cdc_available === null) return 'CDC is not enabled for this PostHog project';
      return table.cdc_available ? undefined : 'CDC needs a primary key';
    case 'xmin':
      return table.xmin_available ? undefined : 'xmin needs a Postgres 13+ heap table or materialized view';
    case 'webhook':
      return table.supports_webhooks ? undefined : 'it has no webhook events';
    default:
      return undefined;
  }
}

/** The sync types a discovered table offers, in PostHog's order. */
export function offeredSyncTypes(table: DiscoveredTableInfo): string[] {
  return ['full_refresh', 'incremental', 'append', 'cdc', 'xmin', 'webhook'].filter((s) => SYNC_TYPES.includes(s as never) && !unavailableReason(s, table));
}
