import { dirname, resolve } from 'node:path';
import { readReferencedFile, referenceRoot } from '../config/file-reference.js';
import { resolveConfig, type ReferenceReader, type ShortSecret, type UnresolvedReference } from '../config/resolve.js';
import type { DesiredSource, DesiredState } from '../config/desired.js';
import type { Positions } from './plan.js';
import { matchRemote } from './plan.js';
import { makeDiagnostic, toPointer, type Diagnostic } from '../diagnostics/diagnostic.js';
import { MIN_MASKED_LENGTH, type SecretMasker } from '../secrets.js';
import { sourceModule } from '../sources/index.js';
import type { SourceCatalog, SourceTypeInfo } from '../wizard/catalog.js';
import { remoteFingerprint } from './fingerprint.js';
import { readOnlyInfo, withoutUnresolved, type ReadOnlyInfo } from './read-only.js';
import type { CdcCheck, DiscoveredTableInfo, Discovery, JobHistory, ObservedSource, ObservedState, RemoteSourceInfo, WebhookInfoState } from './observed.js';
import { historySince } from './cost.js';
import { checkCdcEnable, needsCdcEnable } from './cdc-enable.js';

/** The read-only PostHog calls plan needs (the client satisfies this; tests may fake it). */
export interface PostHogReader {
  listSources(): Promise<RemoteSourceInfo[]>;
  getSource(id: string): Promise<RemoteSourceInfo>;
  databaseSchema(sourceType: string, config: Record<string, unknown>): Promise<DiscoveredTableInfo[]>;
  webhookInfo(id: string): Promise<WebhookInfoState>;
  checkCdcPrerequisites(body: Record<string, unknown>): Promise<{ valid: boolean; errors: string[] }>;
  /** POST {id}/check_cdc_prerequisites_for_source/ (API.md §2.12), before CDC is enabled on an existing source. */
  checkCdcPrerequisitesForSource(id: string, body: Record<string, unknown>): Promise<{ valid: boolean; errors: string[] }>;
  /** The source's sync runs created after `after`, newest first, at most 50 (API.md §2.12). */
  jobs(id: string, options?: { after?: string }): Promise<{ created_at: string; rows_synced: number; schema: { name: string } }[]>;
}

/** Rows estimated from the source database (`--count-rows`, src/estimate): null for types without an estimator. */
export type RowEstimator = (
  sourceType: string,
  config: Record<string, unknown>,
  tables: readonly string[],
) => Promise<{ rows: Map<string, { value: number; estimate: boolean }>; warnings: string[] } | null>;

export interface ObserveInput {
  desired: DesiredState;
  catalog: SourceCatalog;
  positions: Positions;
  client: PostHogReader;
  reader: ReferenceReader;
  masker: SecretMasker;
  host: string;
  projectId: string;
  /** Only these sources are observed (plan --source); null = all. */
  sources: string[] | null;
  /**
   * `full`: every read plan needs, write-scoped ones included (database_schema, check_cdc_prerequisites;
   * API.md §1), a 403 on them is an error (apply). `read-only`: only read-scoped calls (list, retrieve,
   * webhook_info); no credential check, discovery or CDC pre-flight (plan --read-only). `detect`: full,
   * unless PostHog answers the first database_schema with 403, then read-only (plan without the flag).
   */
  mode: ObserveMode;
  /** `plan --count-rows`: estimate rows of tables PostHog has no count for (read-only, on the source database). */
  estimateRows?: RowEstimator;
  /** The clock the job history window is measured by. */
  now?: () => number;
}

export type ObserveMode = 'full' | 'read-only' | 'detect';

export interface Observation {
  observed: ObservedState;
  diagnostics: Diagnostic[];
  fingerprint: string;
  /** Set when the observation was read-only (then the plan is too). */
  readOnly: ReadOnlyInfo | null;
}

/**
 * References resolved from the process environment and from files beside the YAML file — confined to the
 * repository that holds it (src/config/file-reference.ts).
 */
export function referenceReader(env: Record<string, string | undefined>, yamlFile: string, cwd: string): ReferenceReader {
  const base = dirname(resolve(cwd, yamlFile));
  let root: string | undefined;
  return {
    env: (name) => env[name],
    file: (path) => readReferencedFile(base, path, (root ??= referenceRoot(base))),
  };
}

/** The resolved config of one source, with its secrets registered for masking. */
export function resolveSource(source: DesiredSource, info: SourceTypeInfo | undefined, reader: ReferenceReader, masker: SecretMasker) {
  const config = resolveConfig(source.config, ['sources', source.name, 'config'], reader, info?.config.fields ?? [], info?.secretPaths ?? []);
  // The signing secret is only ever used for webhook tables; without them an unset one blocks nothing.
  const webhook = source.webhook && needsWebhookInfo(source)
    ? resolveConfig(source.webhook, ['sources', source.name, 'webhook'], reader, info?.webhookFields ?? [], (info?.webhookFields ?? []).filter((f) => 'secret' in f && f.secret).map((f) => [f.name]))
    : undefined;
  for (const secret of [...config.secrets, ...(webhook?.secrets ?? [])]) masker.add(secret);
  return {
    config: config.value,
    webhook: webhook?.value,
    unresolved: [...config.unresolved, ...(webhook?.unresolved ?? [])],
    shortSecrets: [...config.shortSecrets, ...(webhook?.shortSecrets ?? [])],
  };
}

export function missingSecretDiagnostics(unresolved: readonly UnresolvedReference[], positions: Positions): Diagnostic[] {
  const advice: Record<UnresolvedReference['code'], string> = {
    'missing-secret': 'Set it where dwctl runs (never in the file).',
    'file-reference-refused': 'A ${file:} reference reads only regular files of at most 1 MiB inside the repository (docs/configuration.md#references).',
    'reserved-reference': 'Reference a variable of your own, e.g. one named after the source and field.',
    'secret-in-plain-field': 'Reference secrets only from secret fields; rename the variable if it holds no secret.',
  };
  return unresolved.map((u) =>
    makeDiagnostic(u.code, `${u.reference.raw}: ${u.problem}. ${advice[u.code]}`, {
      file: positions.file,
      path: toPointer(u.path),
      span: positions.span(u.path, 'value'),
    }),
  );
}

/** `short-secret`: a secret so short that masking it by value is unreliable (or, under 4 characters, not done). */
export function shortSecretDiagnostics(short: readonly ShortSecret[], positions: Positions): Diagnostic[] {
  return short.map((s) =>
    makeDiagnostic(
      'short-secret',
      `${s.reference ? `${s.reference.raw} resolves to` : 'This secret is'} a value of ${s.length} character${s.length === 1 ? '' : 's'}: ${
        s.length < MIN_MASKED_LENGTH ? 'too short to be masked at all' : 'masked only where it appears whole, not when a message transforms or cuts it'
      }. Use a longer secret.`,
      { file: positions.file, path: toPointer(s.path), span: positions.span(s.path, 'value') },
    ),
  );
}

/**
 * Read everything plan needs from PostHog — and nothing more. The number of requests grows with
 * sources, never with tables: one list (paged), then per declared source one database_schema, and for
 * sources that exist one retrieve, one jobs (the job history behind the cost estimate), one webhook_info
 * (webhook tables only), one CDC check (new CDC tables only) and one check_cdc_prerequisites_for_source (CDC
 * tables on a source without CDC). Nothing is written.
 */
export async function observe(input: ObserveInput): Promise<Observation> {
  const { desired, catalog, client, masker } = input;
  const now = input.now ?? Date.now;
  const diagnostics: Diagnostic[] = [];
  const remoteSources = await client.listSources();
  const selected = desired.sources
    .filter((s) => input.sources === null || input.sources.includes(s.name))
    .map((source) => ({ source, resolved: resolveSource(source, catalog.get(source.type), input.reader, masker) }));
  let readOnly: ReadOnlyInfo | null = input.mode === 'read-only' ? readOnlyInfo('flag') : null;
  // detect: the first database_schema goes alone, so a read-only key costs one refused request, not one per source.
  const probed = new Map<string, Discovery>();
  const first = selected.find((s) => s.resolved.unresolved.length === 0);
  if (input.mode === 'detect' && first) {
    try {
      probed.set(first.source.name, await discover(client, first.source.type, first.resolved.config, masker));
    } catch (error) {
      if (!lacksWriteScope(error)) throw error;
      readOnly = readOnlyInfo('key-without-write-scope');
    }
  }
  const entries = await Promise.all(
    selected.map(async ({ source, resolved }): Promise<[string, ObservedSource]> => {
      diagnostics.push(...shortSecretDiagnostics(resolved.shortSecrets, input.positions));
      const match = matchRemote(source, remoteSources);
      if (readOnly) {
        // Nothing write-scoped: no discovery, no CDC check, and no secret needed (unset references are not compared).
        const seen: ObservedSource = { resolvedConfig: withoutUnresolved(resolved.config, resolved.unresolved.filter((u) => u.path[2] === 'config').map((u) => u.path.slice(3))) };
        if (match) seen.remote = await client.getSource(match.id);
        if (seen.remote && needsWebhookInfo(source)) seen.webhook = await client.webhookInfo(seen.remote.id);
        return [source.name, seen];
      }
      if (resolved.unresolved.length > 0) {
        diagnostics.push(...missingSecretDiagnostics(resolved.unresolved, input.positions));
        return [source.name, {}];
      }
      const [discovery, remote] = await Promise.all([probed.get(source.name) ?? discover(client, source.type, resolved.config, masker), match ? client.getSource(match.id) : undefined]);
      const seen: ObservedSource = { discovery, resolvedConfig: resolved.config };
      if (remote) seen.remote = remote;
      const [webhook, jobs] = await Promise.all([
        remote && needsWebhookInfo(source) ? client.webhookInfo(remote.id) : undefined,
        remote ? readJobs(client, remote.id, now()) : undefined,
      ]);
      if (webhook) seen.webhook = webhook;
      if (jobs) seen.jobs = jobs;
      if (discovery.ok && input.estimateRows) {
        const estimated = await estimateUncounted(input.estimateRows, source, resolved.config, discovery.tables, remote, masker);
        seen.rowEstimates = estimated.rows;
        diagnostics.push(...estimated.warnings.map((w) => makeDiagnostic('row-estimate-failed', `${source.name}: ${w}`, { file: input.positions.file, path: toPointer(['sources', source.name]), span: input.positions.span(['sources', source.name], 'key') })));
      }
      if (discovery.ok) {
        const cdc = await checkNewCdc(client, source, resolved.config, remote, masker);
        if (cdc) seen.cdc = cdc;
        // issue 10: CDC on an existing source is enabled first; PostHog's own check of it (plan/cdc-enable.ts).
        if (remote && needsCdcEnable(source, remote)) seen.cdcEnable = await checkCdcEnable(client, source, remote, masker);
      }
      return [source.name, seen];
    }),
  );
  const sources = Object.fromEntries(entries);
  const { state, fingerprint } = fingerprintOf(remoteSources, Object.values(sources));
  return {
    observed: { host: input.host, projectId: input.projectId, remoteSources: state, sources },
    diagnostics,
    fingerprint,
    readOnly,
  };
}

/** PostHog's answer to a write-scoped action with a key that has only read scope (API.md §1: 403 permission_denied). */
function lacksWriteScope(error: unknown): boolean {
  return error instanceof Error && (error as { status?: unknown }).status === 403;
}

function fingerprintOf(listed: RemoteSourceInfo[], seen: readonly Pick<ObservedSource, 'remote' | 'webhook'>[]): { state: RemoteSourceInfo[]; fingerprint: string } {
  const retrieved = new Map(seen.flatMap((s) => (s.remote ? [[s.remote.id, s.remote] as const] : [])));
  const webhooks = Object.fromEntries(seen.flatMap((s) => (s.remote && s.webhook ? [[s.remote.id, s.webhook] as const] : [])));
  const state = listed.map((r) => retrieved.get(r.id) ?? r);
  return { state, fingerprint: remoteFingerprint(state, webhooks) };
}

/**
 * The last 30 days of the source's runs: one request per source, whatever its number of tables. A PostHog
 * without the action (or a key that may not read it) leaves the cost unestimated rather than failing the plan.
 */
async function readJobs(client: PostHogReader, id: string, now: number): Promise<JobHistory | undefined> {
  const since = historySince(now);
  try {
    const jobs = await client.jobs(id, { after: since });
    return { since, read_at: new Date(now).toISOString(), runs: jobs.map((j) => ({ table: j.schema.name, created_at: j.created_at, rows_synced: j.rows_synced })) };
  } catch (error) {
    if (error instanceof Error && [403, 404, 405].includes((error as { status?: number }).status ?? 0)) return undefined;
    throw error;
  }
}

/**
 * `--count-rows`: estimates for the declared tables PostHog has no count for (never synced, and discovery
 * does not count them). Never fatal: a failure is a warning and the rows stay unknown.
 */
async function estimateUncounted(
  estimate: RowEstimator,
  source: DesiredSource,
  config: Record<string, unknown>,
  discovered: readonly DiscoveredTableInfo[],
  remote: RemoteSourceInfo | undefined,
  masker: SecretMasker,
): Promise<{ rows: Record<string, { value: number; estimate: boolean }>; warnings: string[] }> {
  const counted = new Set([
    ...discovered.filter((t) => t.rows !== null).map((t) => t.table),
    ...(remote?.schemas ?? []).filter((s) => typeof s.table?.row_count === 'number').map((s) => s.name),
  ]);
  const found = new Set(discovered.map((t) => t.table));
  const tables = source.tables.map((t) => t.name).filter((name) => found.has(name) && !counted.has(name));
  if (tables.length === 0) return { rows: {}, warnings: [] };
  try {
    const result = await estimate(source.type, config, tables);
    if (!result) return { rows: {}, warnings: [`rows not counted: --count-rows estimates rows for Postgres sources only, not ${source.type}`] };
    return { rows: Object.fromEntries(result.rows), warnings: result.warnings.map((w) => masker.mask(w)) };
  } catch (error) {
    return { rows: {}, warnings: [masker.mask(`rows not counted: ${(error as Error).message}`)] };
  }
}

/** Webhook registration is read only where the file wants webhook tables.  */
export function needsWebhookInfo(source: DesiredSource): boolean {
  return source.tables.some((t) => t.sync === 'webhook');
}

async function discover(client: PostHogReader, sourceType: string, config: Record<string, unknown>, masker: SecretMasker): Promise<Discovery> {
  try {
    return { ok: true, tables: await client.databaseSchema(sourceType, config) };
  } catch (error) {
    // A 400 is PostHog's verdict on the credentials or the source (API.md §2.2); anything else cannot be planned around.
    if (isRefusal(error)) return { ok: false, message: masker.mask(error.message) };
    throw error;
  }
}

async function checkNewCdc(client: PostHogReader, source: DesiredSource, config: Record<string, unknown>, remote: RemoteSourceInfo | undefined, masker: SecretMasker): Promise<CdcCheck | undefined> {
  const already = new Set((remote?.schemas ?? []).filter((s) => s.sync_type === 'cdc').map((s) => s.name));
  const tables = source.tables.filter((t) => t.sync === 'cdc' && !already.has(t.name)).map((t) => t.name);
  if (tables.length === 0) return undefined;
  const dialect = sourceModule(source.type).cdc;
  if (!dialect) return undefined;
  const body = { source_type: source.type, ...config, ...dialect.prerequisitesInputs(source.cdc, tables) };
  try {
    const result = await client.checkCdcPrerequisites(body);
    return { valid: result.valid, errors: result.errors.map((e) => masker.mask(e)) };
  } catch (error) {
    if (isRefusal(error)) return { failed: masker.mask(error.message) };
    throw error;
  }
}

function isRefusal(error: unknown): error is Error & { status: number } {
  return error instanceof Error && (error as { status?: unknown }).status === 400;
}
