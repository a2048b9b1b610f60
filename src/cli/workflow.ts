import { bundledCatalog } from '../sources/catalog.js';
import { bundledValidator } from '../schema/bundled-validator.js';
import { lintFile } from '../lint/lint.js';
import { toDesired, type DesiredState } from '../config/desired.js';
import { spanAt, type ParsedFile } from '../config/parse.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { sha256 } from '../plan/fingerprint.js';
import { planDigest } from '../plan/binding.js';
import { observe, referenceReader, type ObserveMode } from '../plan/observe.js';
import { planChanges, type Positions } from '../plan/plan.js';
import { summariseCost } from '../plan/cost.js';
import type { Plan } from '../plan/types.js';
import { VERSION } from '../version.js';
import { UsageProblem } from '../errors.js';
import { readTextFile } from './files.js';
import { connect } from './connect.js';
import type { DwctlCommand, RemoteCommand } from './base-command.js';
import type { PostHogClient } from '../posthog/index.js';
import { isRecord } from '../lint/rule.js';
import { didYouMean } from '../lint/suggest.js';

/** A warehouse.yaml read and linted: the common first step of every command that talks to PostHog. */
export interface LoadedFile {
  file: string;
  text: string;
  sha256: string;
  parsed: ParsedFile;
  lint: Diagnostic[];
  desired: DesiredState;
  positions: Positions;
}

export async function loadFile(command: DwctlCommand, file: string): Promise<LoadedFile> {
  const text = await readTextFile(command.context.cwd, file);
  const { parsed, diagnostics } = await lintFile(file, text, { validate: bundledValidator(), catalog: bundledCatalog() });
  return {
    file,
    text,
    sha256: sha256(text),
    parsed,
    lint: diagnostics,
    desired: toDesired(parsed),
    positions: { file, span: (path, anchor) => spanAt(parsed, path, anchor) },
  };
}

/** A plan that never reached PostHog because the file itself has errors: same document shape, no changes. */
export function blockedPlan(loaded: LoadedFile, diagnostics: Diagnostic[], prune: boolean, sources: string[] | null): Plan {
  const plan: Omit<Plan, 'digest'> = {
    format_version: 1,
    applyable: false,
    summary: { create: 0, update: 0, delete: 0, no_op: 0 },
    changes: [],
    diagnostics,
    dwctl_version: VERSION,
    file: { path: loaded.file, sha256: loaded.sha256 },
    remote: { host: '', project_id: '', fingerprint: '' },
    options: { prune, sources },
    cost: summariseCost([], null),
    blocked: [],
  };
  return { ...plan, digest: planDigest(plan) };
}

export interface PlanRequest {
  prune: boolean;
  sources: string[] | null;
  /** --update-credentials: sources whose whole config, secrets included, is sent again. */
  updateCredentials?: string[];
  /** How PostHog is read (plan/observe.ts): `full` for apply; plan uses `detect`, or `read-only` with --read-only. */
  mode: ObserveMode;
  /** plan --max-rows-per-month. */
  maxRowsPerMonth?: number | null;
  /** plan --count-rows: estimate rows of never-synced tables from the source database. */
  countRows?: boolean;
}

export function checkSourceNames(loaded: LoadedFile, names: string[] | null, flag = '--source'): void {
  if (!names) return;
  const declared = new Set(loaded.desired.sources.map((s) => s.name));
  const unknown = names.filter((n) => !declared.has(n));
  if (unknown.length > 0) {
    const hint = unknown.length === 1 ? didYouMean(unknown[0]!, declared) : '';
    throw new UsageProblem(`${flag} ${unknown.join(', ')}: no such source in ${loaded.file} (declared: ${[...declared].join(', ') || 'none'}).${hint}`);
  }
}

export function fileConnection(loaded: LoadedFile): { host?: string; project_id?: number | string } | undefined {
  const root = isRecord(loaded.parsed.value) ? loaded.parsed.value : {};
  return isRecord(root.posthog) ? (root.posthog as { host?: string; project_id?: number | string }) : undefined;
}

/** lint → connect → observe (read-only) → plan (pure). */
export async function makePlan(command: RemoteCommand, loaded: LoadedFile, request: PlanRequest): Promise<{ plan: Plan; client?: PostHogClient }> {
  checkSourceNames(loaded, request.sources);
  const updateCredentials = [...new Set(request.updateCredentials ?? [])];
  checkSourceNames(loaded, updateCredentials, '--update-credentials');
  const outside = request.sources ? updateCredentials.filter((n) => !request.sources!.includes(n)) : [];
  if (outside.length > 0) throw new UsageProblem(`--update-credentials ${outside.join(', ')}: not among the sources given with --source`);
  if (hasErrors(loaded.lint)) return { plan: blockedPlan(loaded, loaded.lint, request.prune, request.sources) };
  const client = await connect(command, fileConnection(loaded));
  const catalog = bundledCatalog();
  const observation = await observe({
    desired: loaded.desired,
    catalog,
    positions: loaded.positions,
    client,
    reader: referenceReader(command.context.env, loaded.file, command.context.cwd),
    masker: command.masker,
    host: client.host,
    projectId: client.projectId,
    sources: request.sources,
    mode: request.mode,
    // The estimator (and its database driver) loads only when asked for.
    ...(request.countRows ? { estimateRows: async (type: string, config: Record<string, unknown>, tables: readonly string[]) => (await import('../estimate/index.js')).estimateRows(type, config, tables) } : {}),
  });
  const plan = planChanges({
    desired: loaded.desired,
    observed: observation.observed,
    catalog,
    positions: loaded.positions,
    observationDiagnostics: [...loaded.lint, ...observation.diagnostics],
    fileSha256: loaded.sha256,
    remoteFingerprint: observation.fingerprint,
    version: VERSION,
    options: { prune: request.prune, sources: request.sources, update_credentials: updateCredentials },
    readOnly: observation.readOnly,
    maxRowsPerMonth: request.maxRowsPerMonth ?? null,
  });
  return { plan, client };
}
