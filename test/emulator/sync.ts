/**
 * Simulated syncs (API.md §6, §2.7, §2.12): a started schema gets a job and is `Running` for
 * `syncDurationMs`; then the job reads the table with the source's STORED config where the driver can
 * (Postgres: a real connection, so rotated credentials fail like PostHog's pipeline), else simulates
 * the rows. It ends `Completed` (last_synced_at, table row) or `Failed` with the error PostHog records.
 */
import { createHash } from 'node:crypto';

import { type SourceDriver, SyncFailure } from './drivers/types.js';
import type { EmulatorState, JobRow, SchemaRow, SourceRow } from './state.js';

/** PostHog's build_table_name: lower(prefix + source_type + '_' + name with dots as '__') (API.md §6). */
export function warehouseTableName(source: SourceRow, schemaName: string): string {
  return `${source.prefix ?? ''}${source.sourceType}_${schemaName.replace(/\./g, '__')}`.toLowerCase();
}

/** A stable, plausible row count per table, for sources the emulator cannot read. */
function plausibleRowCount(tableName: string): number {
  const digest = createHash('sha256').update(tableName).digest();
  return 100 + (digest.readUInt32BE(0) % 250_000);
}

/** CDC is on for the source once enable_cdc (or create with cdc_enabled) stored it (API.md §2.12). */
export function cdcEnabledOn(source: SourceRow): boolean {
  return source.jobInputs.cdc_enabled === true;
}

export class SyncSimulator {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Current run per schema: a finishing run that is no longer current (stopped, restarted) records nothing. */
  private readonly runs = new Map<string, JobRow>();

  constructor(
    private readonly state: EmulatorState,
    private readonly durationMs: () => number,
    private readonly failingSyncs: () => Record<string, string>,
    private readonly drivers: Map<string, SourceDriver>,
  ) {}

  /** Start (or restart) a sync of one schema. */
  start(schema: SchemaRow): void {
    const source = this.state.sources.get(schema.sourceId);
    if (!source) return;
    // A CDC table past its snapshot only receives rows through the source's replication slot. On a
    // source without CDC enabled there is none, so nothing runs and nothing arrives [inferred from
    // the schema PATCH, which creates no slot/publication, API.md §12].
    if (schema.syncType === 'cdc' && schema.cdcMode === 'streaming' && !cdcEnabledOn(source)) return;
    this.stop(schema.id);
    schema.status = 'Running';
    schema.latestError = null;
    const job: JobRow = {
      id: this.state.newId(), sourceId: source.id, schemaId: schema.id, createdAt: this.state.now(), finishedAt: null,
      status: 'Running', rowsSynced: 0, latestError: null,
    };
    this.state.jobs.push(job);
    this.runs.set(schema.id, job);
    const timer = setTimeout(() => void this.finish(schema.id, job), this.durationMs());
    timer.unref();
    this.timers.set(schema.id, timer);
  }

  stop(schemaId: string): void {
    const timer = this.timers.get(schemaId);
    if (timer) clearTimeout(timer);
    this.timers.delete(schemaId);
    this.runs.delete(schemaId);
  }

  isRunning(schemaId: string): boolean {
    return this.runs.has(schemaId);
  }

  stopAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.runs.clear();
  }

  /** Read the table the way the pipeline would; throws SyncFailure. */
  private async rowsOf(source: SourceRow, schema: SchemaRow, tableName: string): Promise<number> {
    const failures = this.failingSyncs();
    const injected = failures[tableName] ?? failures[`${source.prefix ?? ''}/${schema.name}`];
    if (injected !== undefined) throw new SyncFailure(injected, false);
    const driver = this.drivers.get(source.sourceType);
    if (driver?.syncTable) return driver.syncTable(source.jobInputs, schema.name);
    return plausibleRowCount(tableName);
  }

  private async finish(schemaId: string, job: JobRow): Promise<void> {
    this.timers.delete(schemaId);
    const schema = this.state.schemas.get(schemaId);
    const source = schema && this.state.sources.get(schema.sourceId);
    if (!schema || !source || schema.deleted || source.deleted) return;
    const tableName = warehouseTableName(source, schema.name);
    let outcome: { rows: number } | { failure: SyncFailure };
    try {
      outcome = { rows: await this.rowsOf(source, schema, tableName) };
    } catch (error) {
      outcome = { failure: error instanceof SyncFailure ? error : new SyncFailure(String((error as Error).message ?? error), false) };
    }
    if (this.runs.get(schemaId) !== job || schema.deleted || source.deleted) return;
    this.runs.delete(schemaId);
    job.finishedAt = this.state.now();
    if ('failure' in outcome) {
      job.status = 'Failed';
      job.latestError = outcome.failure.message;
      schema.status = 'Failed';
      schema.latestError = outcome.failure.message;
      if (outcome.failure.nonRetryable) {
        // external_data_job: a non-retryable error turns the table's syncing off ("re-enable the sync").
        schema.shouldSync = false;
        // [inferred] the stored source status then reads Error (API.md §12 "status Error/Failed").
        source.status = 'Error';
      }
      return;
    }
    job.status = 'Completed';
    job.rowsSynced = outcome.rows;
    schema.status = 'Completed';
    schema.latestError = null;
    schema.lastSyncedAt = this.state.now();
    if (schema.syncType === 'cdc') schema.cdcMode = 'streaming';
    schema.table = { id: schema.table?.id ?? this.state.newId(), name: tableName, row_count: outcome.rows };
  }
}
