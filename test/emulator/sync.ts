/**
 * Simulated syncs (API.md §6, §2.7): a started schema is `Running` for `syncDurationMs`, then
 * `Completed` (last_synced_at set, table row populated) or `Failed` with the seeded error when the
 * table is listed in `failingSyncs`.
 */
import { createHash } from 'node:crypto';

import type { EmulatorState, SchemaRow, SourceRow } from './state.js';

/** PostHog's build_table_name: lower(prefix + source_type + '_' + name with dots as '__') (API.md §6). */
export function warehouseTableName(source: SourceRow, schemaName: string): string {
  return `${source.prefix ?? ''}${source.sourceType}_${schemaName.replace(/\./g, '__')}`.toLowerCase();
}

/** A stable, plausible row count per table. */
function plausibleRowCount(tableName: string): number {
  const digest = createHash('sha256').update(tableName).digest();
  return 100 + (digest.readUInt32BE(0) % 250_000);
}

export class SyncSimulator {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly state: EmulatorState,
    private readonly durationMs: () => number,
    private readonly failingSyncs: () => Record<string, string>,
  ) {}

  /** Start (or restart) a sync of one schema. */
  start(schema: SchemaRow): void {
    const source = this.state.sources.get(schema.sourceId);
    if (!source) return;
    this.stop(schema.id);
    schema.status = 'Running';
    schema.latestError = null;
    const timer = setTimeout(() => this.finish(schema.id), this.durationMs());
    timer.unref();
    this.timers.set(schema.id, timer);
  }

  stop(schemaId: string): void {
    const timer = this.timers.get(schemaId);
    if (timer) clearTimeout(timer);
    this.timers.delete(schemaId);
  }

  isRunning(schemaId: string): boolean {
    return this.timers.has(schemaId);
  }

  stopAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private finish(schemaId: string): void {
    this.timers.delete(schemaId);
    const schema = this.state.schemas.get(schemaId);
    const source = schema && this.state.sources.get(schema.sourceId);
    if (!schema || !source || schema.deleted || source.deleted) return;
    const tableName = warehouseTableName(source, schema.name);
    const failures = this.failingSyncs();
    const error = failures[tableName] ?? failures[`${source.prefix ?? ''}/${schema.name}`];
    if (error !== undefined) {
      schema.status = 'Failed';
      schema.latestError = error;
      return;
    }
    schema.status = 'Completed';
    schema.latestError = null;
    schema.lastSyncedAt = this.state.now();
    schema.table = { id: schema.table?.id ?? this.state.newId(), name: tableName, row_count: plausibleRowCount(tableName) };
  }
}
