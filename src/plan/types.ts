import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import type { WebhookHealth } from '../sources/webhooks.js';

/** A source's webhook health as plan read it (webhook_info; the same function status uses). */
export type SourceWebhookHealth = { source: string } & WebhookHealth;

/**
 * The plan document (contract §6): what `plan --format json` prints and `--out` writes, byte for byte.
 * Public and versioned: add fields freely, never rename or drop one.
 */
export type Action = 'create' | 'update' | 'delete' | 'no-op';
export type ChangeKind = 'source' | 'table' | 'webhook';

/**
 * Where a change applies, structured; the plan's string `address` is derived from it (addressOf).
 * `undeclared` marks a PostHog source the file does not declare (any more): a pruned source, or the old
 * source of a `moved_from`. Its address is `remote.TYPE.PREFIX`.
 */
export type Target =
  | { source: string; kind: 'source'; undeclared?: { source_type: string; prefix: string } }
  | { source: string; kind: 'table'; table: string }
  | { source: string; kind: 'webhook' };

export function addressOf(target: Target): string {
  switch (target.kind) {
    case 'source':
      return target.undeclared ? `remote.${target.undeclared.source_type}.${target.undeclared.prefix}` : `source.${target.source}`;
    case 'table':
      return `source.${target.source}.table.${target.table}`;
    case 'webhook':
      return `source.${target.source}.webhook`;
  }
}

/**
 * The target of a change in a plan file written before targets existed (dwctl 0.1 without requests), read back
 * from its address; undefined when the address does not fit its kind and source.
 */
export function targetFromAddress(change: { kind: ChangeKind; source: string; address: string }): Target | undefined {
  const { kind, source, address } = change;
  const remote = /^remote\.([^.]+)\.(.*)$/.exec(address);
  if (kind === 'source' && remote) return { source, kind, undeclared: { source_type: remote[1]!, prefix: remote[2]! } };
  if (kind === 'source' && address === `source.${source}`) return { source, kind };
  if (kind === 'webhook' && address === `source.${source}.webhook`) return { source, kind };
  const tablePrefix = `source.${source}.table.`;
  if (kind === 'table' && address.startsWith(tablePrefix) && address.length > tablePrefix.length) return { source, kind, table: address.slice(tablePrefix.length) };
  return undefined;
}

/**
 * A value apply fills in when it sends a request. Secrets: `{"$secret": "config.password"}` (a path into the
 * source's resolved config, or `webhook.signing_secret`; the plan never holds the value). Ids known only at
 * apply time appear in a request's path as `{source_id}` (the source created earlier in the same apply) and
 * `{schema_id}` (the schema of the request's `schema_of` table, read after create or refresh_schemas).
 */
export interface SecretPlaceholder {
  $secret: string;
}

/**
 * The PostHog operations a plan can contain. Each names one endpoint (API.md) and the safety rules apply
 * attaches to it; apply maps it to a client call and nothing else:
 * - create_source: after an ambiguous failure, look the source up by type+prefix before re-sending.
 * - update_source: PATCH job_inputs (merged over what PostHog holds, API.md §2.5): the whole config with every
 *   secret, which a host change needs and credential rotation is (§12).
 * - delete_source: a 404 means already gone.
 * - update_schema: the schema PATCHes of one phase travel as one bulk_update_schemas (the client falls back
 *   to per-schema PATCH, API.md §12); after a failed batch the source is re-read so each table is reported
 *   as it really ended.
 * - create_webhook: never sent when webhook_info says one exists (each success registers another endpoint);
 *   success:false without a declared signing secret fails the change with what the user must do.
 * - update_webhook_inputs: the declared signing secret (API.md §7).
 * - check_webhook: webhook_info, failing the change unless the webhook is healthy (sources/webhooks.ts);
 *   events PostHog's key cannot add do not fail it: one action-needed note lists them.
 * - enable_cdc: CDC enablement on an existing source (API.md §2.12, §12), after the source's PATCH and before
 *   its tables switch to cdc; 409 (already enabled) is done, 403/400 fail the change with PostHog's reason
 *   (apply/cdc.ts), so the table switches of the later phases are skipped.
 */
export type RequestOp =
  | 'create_source'
  | 'update_source'
  | 'delete_source'
  | 'refresh_schemas'
  | 'update_schema'
  | 'create_webhook'
  | 'update_webhook_inputs'
  | 'check_webhook'
  | 'enable_cdc';

/**
 * Only the conditions a response can decide, never a plan-time fact:
 * - webhook-not-registered: the create_webhook of this change answered success:false (the provider refused
 *   PostHog's registration), or the webhook it found waits for a required input or is disabled.
 */
export type RequestCondition = 'webhook-not-registered';

export interface PlannedRequest {
  op: RequestOp;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to /api/environments/{project_id}/ (API.md §1). */
  path: string;
  /** The JSON body exactly as sent, secrets as SecretPlaceholder; null for none. */
  body: unknown;
  /**
   * Order within the source (PHASE in plan/requests.ts): every request of a phase is sent before the next
   * phase starts, and a failure skips every later phase of that source.
   */
  phase: number;
  /** The table whose schema id fills `{schema_id}` in the path. */
  schema_of?: string;
  when?: RequestCondition;
}

interface ChangeBase {
  /** `source.NAME`, `source.NAME.table.TABLE`, `source.NAME.webhook`, `remote.TYPE.PREFIX`: addressOf(target). */
  address: string;
  action: Action;
  /** PostHog's id of the source or schema; null for what does not exist yet. */
  remote_id: string | null;
  /** The declared source's name (or the remote source's label for an undeclared one). */
  source: string;
  /** Create: null. Update: the differing fields as they are. Delete: what is deleted. */
  before: Record<string, unknown> | null;
  /** Create/update: the fields as they will be. Delete: null. Secrets are "(sensitive)". For people: apply never reads it. */
  after: Record<string, unknown> | null;
  /** Why, for people; apply never branches on it. */
  reason: string;
  /** Where in the file the change is declared (JSON pointer); '' when not declared. */
  path: string;
  /** The span of that declaration, for annotations; null when not declared. */
  position: Span | null;
  /** The PostHog requests this change makes, in order; empty for no-op. Apply sends these and nothing else. */
  requests: PlannedRequest[];
}

export interface SourceChange extends ChangeBase {
  kind: 'source';
  target: Extract<Target, { kind: 'source' }>;
  /** The source type (for display; also on no-op and update changes, whose before/after hold only differences). */
  source_type: string;
}

export interface TableChange extends ChangeBase {
  kind: 'table';
  target: Extract<Target, { kind: 'table' }>;
  /** The name users query in PostHog, lower(prefix + type + "_" + table). */
  warehouse_table: string;
}

export interface WebhookChange extends ChangeBase {
  kind: 'webhook';
  target: Extract<Target, { kind: 'webhook' }>;
}

/** One planned change: a discriminated union on `kind` (and `action`). */
export type Change = SourceChange | TableChange | WebhookChange;

/** A change as the planner builds it, before its address is derived and its position in the file looked up. */
export type Pending<C extends Change = Change> = C extends Change ? Omit<C, 'position' | 'address'> : never;

/** Where a table's row count came from: the synced table, discovery, or `--count-rows` (an estimate, or an exact count of a small table). */
export type RowsOrigin = 'synced' | 'discovered' | 'estimate' | 'counted';
/** How a monthly figure was reached: rows × syncs (full refresh), the observed job history, or nothing syncs. */
export type RowsBasis = 'rows-times-syncs' | 'observed' | 'not-syncing';

export interface CostLine {
  address: string;
  warehouse_table: string;
  /** The source's type, so cost wording names what PostHog counts for it. */
  source_type: string;
  sync_type: string;
  sync_frequency: string;
  /** The best row count known: the synced table's row_count, discovery's rows, or a --count-rows estimate; null when none. */
  rows: number | null;
  rows_origin: RowsOrigin | null;
  syncs_per_month: number;
  /** Rows a month after the plan is applied; null where it cannot be estimated (see unestimated_reason). */
  rows_per_month: number | null;
  rows_per_month_basis: RowsBasis | null;
  /** Rows a month with PostHog's current settings (0 for a table that does not sync yet); null when unknown. */
  current_rows_per_month: number | null;
  /** Rows a month observed in the last 30 days of job history (rows_synced); null without enough history. */
  observed_rows_per_month: number | null;
  /**
   * Why rows_per_month is null: `rows-unknown` (full refresh of a table never synced or counted),
   * `no-history` (too little job history yet), `new-method` (the sync method changes: no history for it),
   * `webhook` (rows arrive as the provider sends them).
   */
  unestimated_reason: 'rows-unknown' | 'no-history' | 'new-method' | 'webhook' | null;
}

export interface CostEstimate {
  tables: CostLine[];
  /** Sum of the known rows_per_month (after the plan). */
  known_rows_per_month: number;
  /** Tables whose monthly rows after the plan cannot be estimated. */
  unestimated_tables: number;
  /** Sum of the known current_rows_per_month (before the plan). */
  current_known_rows_per_month: number;
  /** Whether some of the total rests on --count-rows estimates. */
  includes_estimates: boolean;
  /** plan --max-rows-per-month, or null. */
  max_rows_per_month: number | null;
  /** known_rows_per_month exceeds max_rows_per_month (the plan then carries rows-budget-exceeded). */
  over_budget: boolean;
}

/** A declared source the plan could not plan, and why (its tables are not listed as changes). */
export interface BlockedSource {
  source: string;
  source_type: string;
  /** The diagnostic codes that block it (credentials-rejected, missing-secret, …). */
  codes: string[];
  /** One line for people: the first blocking diagnostic's message. */
  reason: string;
  /** Declared tables left unplanned. */
  tables: string[];
}

export interface Plan {
  format_version: 1;
  /** No error diagnostics, and something to do. */
  applyable: boolean;
  summary: { create: number; update: number; delete: number; no_op: number };
  changes: Change[];
  diagnostics: Diagnostic[];
  dwctl_version: string;
  /** What the plan was computed from; `apply PLANFILE` refuses it when either changed. */
  file: { path: string; sha256: string };
  remote: { host: string; project_id: string; fingerprint: string };
  /**
   * update_credentials: present when --update-credentials named sources (their whole config is sent again).
   * read_only: present (true) only in read-only plans; covered by the digest, and apply refuses such a plan.
   */
  options: { prune: boolean; sources: string[] | null; update_credentials?: string[]; read_only?: true };
  cost: CostEstimate;
  /** Declared sources left out of the changes because an error blocks them (credentials, secrets). */
  blocked: BlockedSource[];
  /**
   * Webhook health of the existing sources with webhook tables (exists, enabled, missing events, pending
   * inputs); absent when there are none. Informational: what apply fixes is a change, the rest a diagnostic.
   */
  webhooks?: SourceWebhookHealth[];
  /**
   * sha256 over changes, diagnostics, options, file and remote (plan/binding.ts): `apply PLANFILE` and
   * `show` detect a plan file edited after it was written. Absent in plans of dwctl before 0.1 binding.
   */
  digest: string;
  /**
   * Present only in a read-only plan (`plan --read-only`, or a key without write scope): why, and what it
   * did not check. Such a plan is never applyable.
   */
  read_only?: { reason: 'flag' | 'key-without-write-scope'; not_checked: string[] };
}

export const SENSITIVE = '(sensitive)';
