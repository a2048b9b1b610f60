import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';

/**
 * The plan document (contract §6): what `plan --format json` prints and `--out` writes, byte for byte.
 * Public and versioned: add fields freely, never rename or drop one.
 */
export type Action = 'create' | 'update' | 'delete' | 'no-op';
export type ChangeKind = 'source' | 'table' | 'webhook';

export interface Change {
  /** `source.NAME`, `source.NAME.table.TABLE`, `source.NAME.webhook`. */
  address: string;
  kind: ChangeKind;
  action: Action;
  /** PostHog's id of the source or schema; null for what does not exist yet. */
  remote_id: string | null;
  /** Source changes only: the source type (for display; also on no-op and update changes, whose before/after hold only differences). */
  source_type?: string;
  /** The declared source's name (or the remote source's label for an undeclared one). */
  source: string;
  /** Tables only: the name users query in PostHog, lower(prefix + type + "_" + table). */
  warehouse_table?: string;
  /** Create: null. Update: the differing fields as they are. Delete: what is deleted. */
  before: Record<string, unknown> | null;
  /** Create/update: the fields as they will be. Delete: null. Secrets are "(sensitive)". */
  after: Record<string, unknown> | null;
  /** Why, for people; apply never branches on it. */
  reason: string;
  /** Where in the file the change is declared (JSON pointer); '' when not declared. */
  path: string;
  /** The span of that declaration, for annotations; null when not declared. */
  position: Span | null;
}

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
