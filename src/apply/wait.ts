import type { PostHogReader } from '../plan/observe.js';
import type { RemoteSchemaInfo } from '../plan/observed.js';

export interface WatchedTable {
  sourceId: string;
  source: string;
  table: string;
  warehouseTable: string;
}

export interface TableOutcome extends WatchedTable {
  status: string | null;
  error: string | null;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Called whenever a table's status changes. */
  onChange?(outcome: TableOutcome): void;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Billing limits', 'Billing limits too low']);

/**
 * Follow first syncs until every watched table is Completed or Failed, or the timeout passes. One retrieve
 * per source per poll (never per table).
 */
export async function waitForSyncs(client: PostHogReader, tables: readonly WatchedTable[], options: WaitOptions): Promise<{ outcomes: TableOutcome[]; timedOut: boolean }> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const last = new Map<string, TableOutcome>();
  const sourceIds = [...new Set(tables.map((t) => t.sourceId))];
  for (;;) {
    const schemas = new Map<string, RemoteSchemaInfo[]>();
    await Promise.all(sourceIds.map(async (id) => schemas.set(id, (await client.getSource(id)).schemas)));
    for (const table of tables) {
      const schema = schemas.get(table.sourceId)?.find((s) => s.name === table.table);
      const outcome: TableOutcome = { ...table, status: schema?.status ?? null, error: schema?.latest_error ?? null };
      const key = `${table.sourceId}/${table.table}`;
      if (last.get(key)?.status !== outcome.status) options.onChange?.(outcome);
      last.set(key, outcome);
    }
    const outcomes = [...last.values()];
    if (outcomes.every((o) => o.status !== null && TERMINAL.has(o.status))) return { outcomes, timedOut: false };
    if (now() >= deadline) return { outcomes, timedOut: true };
    await sleep(Math.min(options.intervalMs, Math.max(0, deadline - now())));
  }
}

/** `30s`, `10m`, `2h` or plain seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return value * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}
