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

export interface CostLine {
  address: string;
  warehouse_table: string;
  sync_type: string;
  sync_frequency: string;
  /** Rows PostHog reports for the table; null where PostHog does not count them (Postgres). */
  rows: number | null;
  syncs_per_month: number;
  /** Billed rows per month where they can be estimated (full refresh with known rows), else null. */
  rows_per_month: number | null;
}

export interface CostEstimate {
  tables: CostLine[];
  /** Sum of the known rows_per_month. */
  known_rows_per_month: number;
  /** Tables whose monthly rows cannot be estimated (unknown row counts, or only changed rows are billed). */
  unestimated_tables: number;
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
