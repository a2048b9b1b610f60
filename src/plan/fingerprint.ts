import { createHash } from 'node:crypto';
import type { RemoteSourceInfo, WebhookInfoState } from './observed.js';

/**
 * A stable hash of the PostHog state a plan was computed from: sources, their tables' settings and
 * webhook registrations — not sync progress (status, last sync, row counts), which changes by itself and
 * does not make a plan wrong. `apply PLANFILE` recomputes it and refuses a plan whose state moved.
 */
export function remoteFingerprint(sources: readonly RemoteSourceInfo[], webhooks: Record<string, WebhookInfoState | undefined>): string {
  const canonical = [...sources]
    .map((s) => ({
      id: s.id,
      type: s.source_type,
      prefix: s.prefix ?? '',
      description: s.description ?? null,
      schemas: [...(s.schemas ?? [])]
        .map((t) => ({
          id: t.id,
          name: t.name,
          should_sync: t.should_sync,
          sync_type: t.sync_type ?? null,
          incremental_field: t.incremental_field ?? null,
          sync_frequency: t.sync_frequency ?? null,
          sync_time_of_day: t.sync_time_of_day ?? null,
          cdc_table_mode: t.cdc_table_mode ?? null,
        }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      webhook: webhookDigest(webhooks[s.id]),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sha256(stableStringify(canonical));
}

function webhookDigest(info: WebhookInfoState | undefined): unknown {
  if (!info) return null;
  return { exists: info.exists, enabled: info.hog_function?.enabled ?? null, missing_events: [...(info.missing_events ?? [])].sort() };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
