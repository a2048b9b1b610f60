import type { SyncFrequency, SyncType } from '../wizard/catalog.js';

/**
 * What dwctl knows about one PostHog source type beyond its wizard entry: the rules PostHog's code applies
 * to that type (API.md §2.3, §2.12, §6, §12). One module per type with special rules (postgres.ts,
 * stripe.ts); generic.ts serves every other type. Adding a type with special rules = one new module here
 * (and an emulator driver), registered in index.ts.
 */
export interface SourceModule {
  /** The wizard's type name; null for the generic module. */
  readonly type: string | null;
  /** CDC, where the type has it (Postgres today). */
  readonly cdc?: CdcDialect;
  /** False where PostHog's discovery reports no row counts (API.md §12: Postgres and Stripe); absent = it may count them. */
  readonly countsRows?: false;
}

export type CdcTableMode = 'consolidated' | 'cdc_only' | 'both';

/** The file's `cdc:` block of a source (config/desired.ts DesiredCdc satisfies it). */
export interface CdcSettings {
  management: 'posthog' | 'self_managed';
  slot_name: string | null;
  publication_name: string | null;
  auto_drop_slot: boolean | null;
  table_mode: CdcTableMode | null;
}

/** A source type's change-data-capture: the keys PostHog's code reads (API.md §2.3 CDC payload, §2.12, §8). */
export interface CdcDialect {
  /** PostHog's frequency for a new CDC schema (API.md §6). */
  readonly defaultFrequency: SyncFrequency;
  /** PostHog's table mode when a CDC schema is created without one (API.md §2.3). */
  readonly defaultTableMode: CdcTableMode;
  /** The CDC keys of a create payload (merged into `payload` beside the config). */
  createInputs(cdc: CdcSettings | null): Record<string, unknown>;
  /** The body of check_cdc_prerequisites for these tables (without the config, which the caller adds). */
  prerequisitesInputs(cdc: CdcSettings | null, tables: string[]): Record<string, unknown>;
  /** The file's `cdc:` block from a source's job_inputs (import), or undefined when CDC is off. */
  fromJobInputs(jobInputs: Record<string, unknown>): Record<string, unknown> | undefined;
  /**
   * The body of `enable_cdc` and `check_cdc_prerequisites_for_source` on an existing source (API.md §2.12):
   * the management mode and the slot/publication names; PostHog reads the credentials it stores.
   */
  enableInputs(cdc: CdcSettings | null): Record<string, unknown>;
  /** Whether PostHog has CDC enabled on a source, read from the job_inputs it returns (CDC keys are kept, API.md §2.4). */
  enabledIn(jobInputs: Record<string, unknown>): boolean;
}

/** Which settings PostHog stores for a table of a given sync type (API.md §12 "Primary keys are stored only where PostHog uses them"). */
export type PrimaryKeySource = 'declared-or-detected' | 'detected' | 'none';

export function primaryKeySource(sync: SyncType): PrimaryKeySource {
  switch (sync) {
    case 'incremental':
    case 'append':
      return 'declared-or-detected';
    case 'cdc':
      // CDC takes the keys PostHog reads from the database; a given value is not used.
      return 'detected';
    default:
      // full_refresh, xmin and webhook tables store none.
      return 'none';
  }
}
