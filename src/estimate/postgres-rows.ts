import type { RowCount } from '../plan/recommend.js';

/**
 * Row estimates for discovered Postgres tables, read from the database itself with the source's own
 * credentials (`discover --count-rows`; `plan --count-rows` later). PostHog's discovery returns no row
 * counts for Postgres (API.md §12), yet row counts drive both billing and the "small table: full
 * refresh" rule. Read-only (a READ ONLY transaction that reads the planner's statistics), bounded by
 * timeouts, and never fatal: every failure becomes a warning and the rows stay unknown.
 *
 * Loaded on demand (dynamic import) so that `pg` never sits on the start-up path of offline commands.
 */

/** Where a discovered table lives: PostHog names tables bare when the source's `schema` is set, `schema.table` when blank (API.md §5). */
export interface TableLocation {
  table: string;
  schema: string;
  name: string;
}

export function tableLocations(tables: readonly string[], schemaSetting: unknown): TableLocation[] {
  const schema = typeof schemaSetting === 'string' ? schemaSetting.trim() : '';
  return tables.map((table) => {
    if (schema) return { table, schema, name: table };
    const dot = table.indexOf('.');
    return dot > 0 ? { table, schema: table.slice(0, dot), name: table.slice(dot + 1) } : { table, schema: 'public', name: table };
  });
}

/** One row of pg_class statistics. */
export interface TableStats {
  schema: string;
  name: string;
  /** `r` table, `p` partitioned table, `m` materialized view, `v` view, `f` foreign table. */
  kind: string;
  /** pg_class.reltuples: -1 when never vacuumed or analysed (PG 14+); 0 with relpages 0 on older servers. */
  reltuples: number;
  relpages: number;
}

/** Below this size (bytes) a never-analysed table is counted exactly instead of left unknown. */
export const COUNT_FALLBACK_MAX_BYTES = 64 * 1024 * 1024;

export type StatsVerdict = { rows: number } | { count: true } | { unknown: string };

/**
 * What the statistics say about one table. reltuples is the planner's estimate, kept current by
 * autovacuum/ANALYZE. When the table was never analysed (reltuples -1, or 0 rows on 0 pages before
 * PG 14), it is counted exactly if small, otherwise left unknown with advice. Views have no statistics.
 */
export function verdictFromStats(stats: TableStats, bytes: number): StatsVerdict {
  if (stats.kind === 'v' || stats.kind === 'f') return { unknown: `${stats.kind === 'v' ? 'a view' : 'a foreign table'} has no row statistics` };
  const neverAnalysed = stats.reltuples < 0 || (stats.reltuples === 0 && stats.relpages === 0);
  if (!neverAnalysed) return { rows: Math.round(stats.reltuples) };
  if (stats.kind === 'p') return { unknown: 'the partitioned table was never analysed (run ANALYZE on it)' };
  if (bytes <= COUNT_FALLBACK_MAX_BYTES) return { count: true };
  return { unknown: 'never analysed and too large to count (run ANALYZE on it)' };
}

export interface PostgresConnectionSettings {
  host?: unknown;
  port?: unknown;
  database?: unknown;
  user?: unknown;
  password?: unknown;
  schema?: unknown;
  ssh_tunnel?: unknown;
}

export interface RowEstimates {
  rows: Map<string, RowCount>;
  /** One line each, safe to print once masked by the caller (they may quote the server's error text). */
  warnings: string[];
}

export interface EstimateOptions {
  /** Connect and per-statement timeout; the whole estimate never waits much longer than twice this. */
  timeoutMs?: number;
  /** `prefer` (TLS when the server offers it, like libpq's default) or `disable` (tests against local servers). */
  ssl?: 'prefer' | 'disable';
  /** Called with each SQL statement before it runs (for --verbose). */
  log?: (sql: string) => void;
}

const STATS_SQL = `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.reltuples::float8 AS reltuples,
       c.relpages AS relpages, pg_total_relation_size(c.oid)::float8 AS bytes
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1::text[]) AND c.relname = ANY($2::text[]) AND c.relkind IN ('r', 'p', 'm', 'v', 'f')`;

/** Estimate the rows of `tables` (names as PostHog discovered them) in the database `config` points at. */
export async function estimatePostgresRows(config: PostgresConnectionSettings, tables: readonly string[], options: EstimateOptions = {}): Promise<RowEstimates> {
  const rows = new Map<string, RowCount>();
  const warnings: string[] = [];
  if (tables.length === 0) return { rows, warnings };
  const tunnel = config.ssh_tunnel as { enabled?: unknown } | undefined;
  if (tunnel && tunnel.enabled === true) {
    warnings.push('rows not counted: the source connects through an SSH tunnel, which dwctl does not open');
    return { rows, warnings };
  }
  const host = typeof config.host === 'string' ? config.host.trim() : '';
  if (!host) {
    warnings.push('rows not counted: the source has no host');
    return { rows, warnings };
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { default: pg } = await import('pg');
  const settings = {
    host,
    port: Number(config.port ?? 5432) || 5432,
    database: typeof config.database === 'string' ? config.database : undefined,
    user: typeof config.user === 'string' ? config.user : undefined,
    password: typeof config.password === 'string' ? config.password : undefined,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 'dwctl (row estimate)',
  };
  const open = async (ssl: boolean) => {
    const client = new pg.Client({ ...settings, ssl: ssl ? { rejectUnauthorized: false } : false });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  };
  let client: InstanceType<typeof pg.Client>;
  try {
    try {
      client = await open(options.ssl !== 'disable');
    } catch (error) {
      // libpq's sslmode=prefer: a server without TLS gets a plain connection.
      if (options.ssl === 'disable' || !/does not support SSL/i.test((error as Error).message)) throw error;
      client = await open(false);
    }
  } catch (error) {
    warnings.push(`rows not counted: cannot connect to the database from here (${oneLine(error)})`);
    return { rows, warnings };
  }
  const query = <R extends object>(sql: string, values?: unknown[]) => {
    options.log?.(sql);
    return client.query<R>(sql, values);
  };
  try {
    await query('BEGIN READ ONLY');
    const locations = tableLocations(tables, config.schema);
    const result = await query<TableStats & { bytes: number }>(STATS_SQL, [[...new Set(locations.map((l) => l.schema))], [...new Set(locations.map((l) => l.name))]]);
    const byLocation = new Map(result.rows.map((r) => [`${r.schema}\u0000${r.name}`, r]));
    for (const location of locations) {
      const stats = byLocation.get(`${location.schema}\u0000${location.name}`);
      if (!stats) {
        warnings.push(`${location.table}: rows not counted (not found in the database's catalog)`);
        continue;
      }
      const verdict = verdictFromStats({ ...stats, reltuples: Number(stats.reltuples), relpages: Number(stats.relpages) }, Number(stats.bytes));
      if ('rows' in verdict) rows.set(location.table, { value: verdict.rows, estimate: true });
      else if ('unknown' in verdict) warnings.push(`${location.table}: rows not counted (${verdict.unknown})`);
      else {
        try {
          const counted = await query<{ n: string }>(`SELECT count(*) AS n FROM ${client.escapeIdentifier(location.schema)}.${client.escapeIdentifier(location.name)}`);
          rows.set(location.table, { value: Number(counted.rows[0]?.n ?? 0), estimate: true });
        } catch (error) {
          warnings.push(`${location.table}: rows not counted (${oneLine(error)})`);
          // A failed statement aborts the transaction; start a new one for the next table.
          await query('ROLLBACK').catch(() => undefined);
          await query('BEGIN READ ONLY').catch(() => undefined);
        }
      }
    }
  } catch (error) {
    warnings.push(`rows not counted: ${oneLine(error)}`);
  } finally {
    await query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
  return { rows, warnings: warnings.map(printable) };
}

/** The first line of a server or driver error, without control characters (it comes from another system). */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return printable(message.split('\n')[0]!.slice(0, 300));
}

/** Control characters (terminal escapes included) shown as "?": table names and server texts are untrusted. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
