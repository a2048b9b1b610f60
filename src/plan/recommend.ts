import type { SyncFrequency, SyncType } from '../wizard/catalog.js';
import type { DiagnosticCode } from '../diagnostics/codes.js';
import type { DiscoveredTableInfo, IncrementalFieldInfo } from './observed.js';

/**
 * The recommendation engine: which sync setting to suggest for a discovered table. Correct first (never a
 * method that loses updates unless the table is append-only by evidence), cheap second. Pure: facts about
 * the table (PostHog's `database_schema` entry, API.md §5), traits of its source type, and an optional row
 * count in; one recommendation out. Every rule is listed in RECOMMENDATION_RULES and in
 * docs/recommendations.md (a test checks both agree), following PostHog's guide (setup-flow.md).
 */

/** What the engine needs to know about a source type, beyond the table itself (fed by the source-type modules). */
export interface SourceTraits {
  /** Sync types the type offers at all (the wizard catalog's `syncTypes` fits). A table flag outside it is ignored. */
  readonly syncTypes: readonly SyncType[];
  /** Whether PostHog's discovery counts rows for this type (API.md §12: Postgres and Stripe do not). */
  readonly countsRows?: boolean;
  /** Tables the type documents as immutable records: evidence of append-only besides their names. */
  readonly appendOnlyTables?: readonly string[];
}

/** A row count and where it came from: PostHog's discovery, or an estimate from the database's statistics. */
export interface RowCount {
  value: number;
  estimate: boolean;
}

export interface RecommendOptions {
  traits?: SourceTraits;
  /** Overrides the table's own `rows` (e.g. from `--count-rows`). */
  rows?: RowCount | null;
}

export type RuleId =
  | 'webhook-only'
  | 'webhook'
  | 'updated-at'
  | 'append-only'
  | 'small-table'
  | 'xmin'
  | 'cdc'
  | 'full-refresh';

export interface Recommendation {
  sync: SyncType;
  incremental_field: string | null;
  /** Why, in one sentence, with the evidence it used. */
  reason: string;
  /** The rule that decided (docs/recommendations.md lists each). */
  rule: RuleId;
  /** What this setting really imports on each sync. */
  imports: string;
}

/** Tables under this many rows are "small" (PostHog's guide: < 50k rows, full refresh is simple and always correct). */
export const SMALL_TABLE_ROWS = 50_000;

/** The rules in the order the engine tries them; the first that applies decides. */
export const RECOMMENDATION_RULES: readonly { id: RuleId; when: string; reason: string }[] = [
  { id: 'webhook-only', when: 'PostHog can sync the table only by webhook', reason: 'there is no other way to sync it' },
  { id: 'webhook', when: 'the table offers webhooks (Stripe)', reason: 'changes arrive as they happen, updates included, and a periodic full sync backs them up' },
  { id: 'updated-at', when: 'an updated-at style field that is never NULL is an incremental candidate (indexed ones first)', reason: 'every write moves it forward, so incremental imports new and changed rows' },
  { id: 'append-only', when: 'the table is append-only by evidence (its name or the source says so, and no column tracks updates) and has a non-null ordering field (an indexed integer key first, then a created-at or time field)', reason: 'rows are never changed, so importing only new rows loses nothing' },
  { id: 'small-table', when: `the table has fewer than ${SMALL_TABLE_ROWS.toLocaleString('en-US')} rows (counted or estimated)`, reason: 'a full refresh is cheap there and imports everything, deletions included' },
  { id: 'xmin', when: 'the table may change and PostHog offers xmin (Postgres 13+ tables)', reason: "Postgres's row versions catch every insert and update, with no column to rely on" },
  { id: 'cdc', when: 'the table may change, xmin is not offered, and CDC is enabled for the project', reason: "the write-ahead log streams every insert, update and delete" },
  { id: 'full-refresh', when: 'nothing above applies', reason: 'nothing tracks changes, so only a full refresh does not lose updates' },
];

const UPDATED_AT = /(^|_)(updated|modified|changed|last_modified|lastmodified)(_?at|_?on|_?date|_?time)?$|^(updatedat|modifiedat|lastmodifieddate|hs_lastmodifieddate|updated)$/i;
const CREATED_AT = /(^|_)(created|inserted|occurred|creat|timestamp|date|start)(_?at|_?on|_?date|_?time)?$|^created$/i;

export function isUpdatedAtField(field: IncrementalFieldInfo): boolean {
  return UPDATED_AT.test(field.field) || UPDATED_AT.test(field.label);
}

export function isCreatedAtField(field: IncrementalFieldInfo): boolean {
  return !isUpdatedAtField(field) && (CREATED_AT.test(field.field) || CREATED_AT.test(field.label));
}

/** Candidates excluding PostHog's synthetic xmin column (that one is for `sync: xmin`). */
export function realCandidates(table: DiscoveredTableInfo): IncrementalFieldInfo[] {
  return table.incremental_fields.filter((f) => f.field_type !== 'xid');
}

const TIME_TYPES = new Set(['timestamp', 'datetime', 'date', 'timestamptz']);

function isTimeField(field: IncrementalFieldInfo): boolean {
  return TIME_TYPES.has(field.field_type.toLowerCase());
}

/** Words of a table name: `audit_log` → audit, log; `BalanceTransaction` → balance, transaction; `public.events` → public, events. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Name words that mean "records of things that happened", which are written once and not changed. */
const APPEND_ONLY_WORDS = new Set(['log', 'logs', 'event', 'events', 'audit', 'audits', 'history', 'histories', 'ledger', 'trail', 'pageviews']);

/** Columns whose presence says rows do change after insert. */
const MUTATION_COLUMN = /(^|_)(updated|modified|changed|deleted|archived|status|state)(_?at|_?on|_?by)?$/i;

/**
 * Evidence that a table is append-only, as words a user can check, or null when there is none. Needs a
 * name (or the source type) saying so AND no column that tracks changes: an `events` table with an
 * `updated_at` or `status` column is mutable whatever its name.
 */
export function appendOnlyEvidence(table: DiscoveredTableInfo, traits?: SourceTraits): string | null {
  const columns = [...(table.available_columns ?? []).map((c) => c.field), ...table.incremental_fields.map((f) => f.field)];
  const mutation = columns.find((c) => MUTATION_COLUMN.test(c));
  if (mutation) return null;
  const base = table.table.split('.').pop() ?? table.table;
  if (traits?.appendOnlyTables?.includes(table.table) || traits?.appendOnlyTables?.includes(base)) return 'the source documents it as immutable';
  const words = nameWords(base).filter((w) => APPEND_ONLY_WORDS.has(w));
  if (words.length === 0) return null;
  const columnsKnown = (table.available_columns ?? []).length > 0;
  return `its name (${words.join(', ')})${columnsKnown ? ' and no column tracking changes' : ''}`;
}

function offered(table: DiscoveredTableInfo, sync: SyncType, traits?: SourceTraits): boolean {
  if (traits && !traits.syncTypes.includes(sync)) return false;
  switch (sync) {
    case 'webhook':
      return table.supports_webhooks || table.webhook_only;
    case 'incremental':
      return table.incremental_available;
    case 'append':
      return table.append_available;
    case 'xmin':
      return table.xmin_available === true;
    case 'cdc':
      return table.cdc_available === true;
    default:
      return true;
  }
}

/** Unknown nullability (API sources such as Stripe do not say) is not held against a field. */
const neverNull = (f: IncrementalFieldInfo) => f.nullable !== true;
const indexedFirst = (a: IncrementalFieldInfo, b: IncrementalFieldInfo) => Number(b.is_indexed === true) - Number(a.is_indexed === true);

/** What a setting really imports on each sync: said in recommendations and in costly-sync warnings. */
export function whatItImports(sync: SyncType, field: string | null): string {
  switch (sync) {
    case 'full_refresh':
      return 'the whole table on every sync, deletions included';
    case 'incremental':
      return `new rows and rows whose ${field ?? 'incremental field'} moved forward since the last sync (deletions are not seen)`;
    case 'append':
      return `only new rows (${field ?? 'its field'} above the last value seen); a changed row is never imported again`;
    case 'xmin':
      return 'every row inserted or updated since the last sync (deletions are not seen)';
    case 'cdc':
      return 'every insert, update and delete, streamed from the write-ahead log';
    case 'webhook':
      return 'each change as the source sends it, plus a periodic full sync as a safety net';
  }
}

function rowsOf(table: DiscoveredTableInfo, options: RecommendOptions): RowCount | null {
  if (options.rows !== undefined) return options.rows;
  return table.rows === null ? null : { value: table.rows, estimate: false };
}

export function describeRows(rows: RowCount): string {
  return `${rows.estimate ? 'about ' : ''}${rows.value.toLocaleString('en-US')} rows${rows.estimate ? ' (estimate)' : ''}`;
}

function pick(rule: RuleId, sync: SyncType, field: string | null, reason: string): Recommendation {
  return { sync, incremental_field: field, reason, rule, imports: whatItImports(sync, field) };
}

export function recommend(table: DiscoveredTableInfo, options: RecommendOptions = {}): Recommendation {
  const { traits } = options;
  if (table.webhook_only) return pick('webhook-only', 'webhook', null, 'PostHog can sync this table only by webhook');
  if (offered(table, 'webhook', traits)) {
    return pick('webhook', 'webhook', null, 'it offers webhooks: changes arrive as they happen, updates included (a periodic full sync backs them up)');
  }
  const candidates = realCandidates(table);
  const notes: string[] = [];

  const updatedFields = candidates.filter(isUpdatedAtField);
  const updated = updatedFields.filter(neverNull).sort(indexedFirst)[0];
  if (updated && offered(table, 'incremental', traits)) {
    const unindexed = updated.is_indexed === false ? ` (not indexed: each sync scans the table; an index on ${updated.field} makes it cheap)` : '';
    return pick('updated-at', 'incremental', updated.field, `${updated.field} is never NULL and moves on every update, so incremental imports new and changed rows${unindexed}`);
  }
  const nullableUpdated = updatedFields.find((f) => f.nullable === true);
  if (nullableUpdated) notes.push(`${nullableUpdated.field} can be NULL, so incremental on it would miss rows written without it`);

  const evidence = appendOnlyEvidence(table, traits);
  if (evidence && offered(table, 'append', traits)) {
    const usable = candidates.filter(neverNull);
    const integerKey = usable.find((f) => f.field_type === 'integer' && f.is_indexed === true && (table.detected_primary_keys ?? []).length === 1 && table.detected_primary_keys![0] === f.field);
    const ordering =
      integerKey ??
      usable.filter(isCreatedAtField).sort(indexedFirst)[0] ??
      usable.filter(isTimeField).sort(indexedFirst)[0];
    if (ordering) {
      const why = ordering === integerKey ? `${ordering.field} is its indexed integer key` : `${ordering.field} orders rows by arrival${ordering.is_indexed === false ? ' (not indexed: each sync scans the table)' : ''}`;
      return pick('append-only', 'append', ordering.field, `append-only by ${evidence}, so new rows are all there is to import; ${why}`);
    }
    notes.push(`looks append-only by ${evidence}, but no ordering field is always set`);
  }

  const rows = rowsOf(table, options);
  const lead = notes.length > 0 ? `${notes.join('; ')}; ` : '';
  if (rows && rows.value < SMALL_TABLE_ROWS) {
    return pick('small-table', 'full_refresh', null, `${lead}${describeRows(rows)}: a full refresh is cheap and imports everything, deletions included`);
  }
  if (offered(table, 'xmin', traits)) {
    return pick('xmin', 'xmin', null, `${lead || 'no field tracks updates: '}xmin (Postgres row versions) catches every insert and update`);
  }
  if (offered(table, 'cdc', traits)) {
    return pick('cdc', 'cdc', null, `${lead || 'no field tracks updates: '}CDC streams every insert, update and delete`);
  }
  return pick('full-refresh', 'full_refresh', null, `${lead}nothing tracks changes: only a full refresh does not lose updates; keep the frequency low`);
}

/** One sentence for a costly full refresh: what the recommended setting would import instead. */
export function cheaperAlternative(best: Recommendation): string {
  return `${best.sync}${best.incremental_field ? ` on ${best.incremental_field}` : ''} would import ${best.imports}`;
}

export interface IncrementalFieldRisk {
  code: Extract<DiagnosticCode, 'incremental-field-nullable' | 'incremental-field-unindexed'>;
  message: string;
}

/**
 * Risks of syncing `table` by `sync` on `field` (a real candidate), for plan warnings: a nullable field
 * misses rows where it is NULL; an unindexed one makes every sync scan the table. Pure: the planner
 * reports each at the table's incremental_field.
 */
export function incrementalFieldRisks(table: DiscoveredTableInfo, sync: SyncType, fieldName: string): IncrementalFieldRisk[] {
  if (sync !== 'incremental' && sync !== 'append') return [];
  const field = realCandidates(table).find((f) => f.field === fieldName || f.label === fieldName);
  if (!field) return [];
  const risks: IncrementalFieldRisk[] = [];
  if (field.nullable === true) {
    risks.push({
      code: 'incremental-field-nullable',
      message: `"${table.table}" syncs by ${sync} on ${field.field}, which can be NULL: rows where it is NULL are never imported.`,
    });
  }
  if (field.is_indexed === false) {
    risks.push({
      code: 'incremental-field-unindexed',
      message: `"${table.table}" syncs by ${sync} on ${field.field}, which has no index: every sync scans the whole table in the database. Add an index on ${field.field}.`,
    });
  }
  return risks;
}

/** Syncs per month for a frequency (30-day month). */
export const SYNCS_PER_MONTH: Record<SyncFrequency, number> = {
  '5min': 8640,
  '15min': 2880,
  '30min': 1440,
  '1hour': 720,
  '6hour': 120,
  '12hour': 60,
  '24hour': 30,
  '7day': 4,
  '30day': 1,
  never: 0,
};
