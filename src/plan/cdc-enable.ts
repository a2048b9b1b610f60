/**
 * CDC on an existing source (API.md §2.12, §12; issue 10 item 3). A schema PATCH to `sync_type: cdc` on a source
 * created without CDC succeeds yet leaves no replication slot or publication, so nothing streams: CDC is enabled
 * on the SOURCE first, with `POST {id}/enable_cdc/`. Plan notices it from the job_inputs PostHog returns (its CDC
 * keys are kept, API.md §2.4), checks the prerequisites, and shows the enable as part of the source's update;
 * apply sends enable_cdc before the table PATCHes (apply/cdc.ts).
 *
 * Two checks feed the plan's errors, deduplicated:
 * - `check_cdc_prerequisites` (detail=False, API.md §8) with the file's credentials and the tables concerned:
 *   the per-table problems (no primary key, not owned, no SELECT) — PostHog's per-source check passes no tables;
 * - `check_cdc_prerequisites_for_source` (API.md §2.12) with the credentials PostHog STORES, exactly what
 *   enable_cdc re-runs server-side: wal_level, replication role, slot capacity, a self-managed publication.
 * Both are POST actions PostHog scopes as writes (API.md §1): a read-only plan makes neither and says so.
 */
import type { DesiredSource } from '../config/desired.js';
import { sourceModule } from '../sources/index.js';
import type { SecretMasker } from '../secrets.js';
import type { CdcCheck, RemoteSourceInfo } from './observed.js';

/** The call this module makes (the client satisfies it). */
export interface CdcSourceChecker {
  checkCdcPrerequisitesForSource(id: string, body: Record<string, unknown>): Promise<{ valid: boolean; errors: string[] }>;
}

/** The file wants CDC tables on a source PostHog has without CDC. */
export function needsCdcEnable(source: DesiredSource, remote: RemoteSourceInfo | undefined): boolean {
  const dialect = sourceModule(source.type).cdc;
  if (!dialect || !remote) return false;
  return source.tables.some((t) => t.sync === 'cdc') && !dialect.enabledIn(remote.job_inputs ?? {});
}

/** check_cdc_prerequisites_for_source with the file's management mode and names; a 400 is PostHog's verdict, masked. */
export async function checkCdcEnable(client: CdcSourceChecker, source: DesiredSource, remote: RemoteSourceInfo, masker: SecretMasker): Promise<CdcCheck> {
  const body = sourceModule(source.type).cdc!.enableInputs(source.cdc);
  try {
    const result = await client.checkCdcPrerequisitesForSource(remote.id, body);
    return { valid: result.valid, errors: result.errors.map((e) => masker.mask(e)) };
  } catch (error) {
    if (error instanceof Error && (error as { status?: unknown }).status === 400) return { failed: masker.mask(error.message) };
    throw error;
  }
}

/** What the source update shows for the enable: `cdc.enabled false → true` with the mode and names it sends. */
export function cdcEnableDiff(source: DesiredSource): { before: Record<string, unknown>; after: Record<string, unknown>; reason: string; body: Record<string, unknown> } {
  const cdc = source.cdc;
  const after = {
    enabled: true,
    management: cdc?.management ?? 'posthog',
    slot_name: cdc?.slot_name ?? null,
    publication_name: cdc?.publication_name ?? null,
    ...(cdc?.auto_drop_slot != null ? { auto_drop_slot: cdc.auto_drop_slot } : {}),
  };
  const names = [after.slot_name ? `slot ${after.slot_name}` : '', after.publication_name ? `publication ${after.publication_name}` : ''].filter(Boolean);
  const tables = source.tables.filter((t) => t.sync === 'cdc').map((t) => t.name);
  return {
    body: sourceModule(source.type).cdc!.enableInputs(cdc),
    before: { enabled: false },
    after,
    reason: `enable CDC on source ${source.name} (${after.management} management${names.length ? `, ${names.join(', ')}` : after.management === 'posthog' ? ', slot and publication named by PostHog' : ''}) before ${tables.join(', ')} switch${tables.length === 1 ? 'es' : ''} to cdc`,
  };
}

export interface CdcReport {
  /** Where the problem is declared: the table's `sync`, else the source's `cdc:` block, else the first CDC table. */
  path: string[];
  message: string;
}

/**
 * Both checks' answers as plan errors, each at the table it names, else at the `cdc:` block (or the first CDC
 * table when the file has no block). The same sentence from both checks is reported once.
 */
export function cdcCheckReports(source: DesiredSource, checks: { tables?: CdcCheck | undefined; source?: CdcCheck | undefined }): CdcReport[] {
  const cdcTables = source.tables.filter((t) => t.sync === 'cdc');
  const fallback = source.cdc ? ['sources', source.name, 'cdc'] : cdcTables[0] ? ['sources', source.name, 'tables', cdcTables[0].name, 'sync'] : ['sources', source.name];
  const out: CdcReport[] = [];
  const seen = new Set<string>();
  const add = (path: string[], message: string): void => {
    if (seen.has(message)) return;
    seen.add(message);
    out.push({ path, message });
  };
  for (const [check, by] of [[checks.tables, ''], [checks.source, ' with the credentials it stores']] as const) {
    if (!check) continue;
    if ('failed' in check) {
      add(fallback, `PostHog could not check the CDC prerequisites of ${source.name}${by}: ${check.failed}`);
      continue;
    }
    for (const error of check.errors) {
      // Point a per-table problem ("Table 'public.audit_log' has no primary key") at that table.
      const named = cdcTables.find((t) => error.includes(`'${t.name}'`) || error.includes(`.${t.name}'`));
      add(named ? ['sources', source.name, 'tables', named.name, 'sync'] : fallback, `CDC prerequisite not met for ${source.name}: ${error}`);
    }
  }
  return out;
}
