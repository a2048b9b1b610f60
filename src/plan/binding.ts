import type { DesiredState } from '../config/desired.js';
import { sha256, stableStringify } from './fingerprint.js';
import type { Change, Plan } from './types.js';

/**
 * A saved plan is bound to what was reviewed (contract §6): `apply PLANFILE` recomputes the plan from the
 * file and from PostHog and applies only when the recomputed changes equal the saved ones exactly, every
 * resolved non-secret value included. This module is the pure half of that check.
 *
 * Secrets are NOT bound. The plan holds "(sensitive)" in their place and nothing derived from their values
 * (a hash of a short password could be brute-forced from the plan file); they are resolved when apply runs,
 * so a secret rotated between `plan --out` and `apply` is sent as it is then.
 */

/** The counts of a plan, always derived from its changes (never trusted from a file). */
export function summarise(changes: readonly Pick<Change, 'action'>[]): Plan['summary'] {
  const summary = { create: 0, update: 0, delete: 0, no_op: 0 };
  for (const change of changes) summary[change.action === 'no-op' ? 'no_op' : change.action]++;
  return summary;
}

/**
 * The digest `plan --out` writes: what apply would act on (changes, diagnostics, options) and what it was
 * computed from (file, remote). A plan file whose content no longer matches it was edited after it was written.
 */
export function planDigest(plan: Pick<Plan, 'changes' | 'diagnostics' | 'options' | 'file' | 'remote'>): string {
  return sha256(stableStringify({ changes: plan.changes, diagnostics: plan.diagnostics, options: plan.options, file: plan.file, remote: plan.remote }));
}

/** Which of the things a saved plan is bound to moved, in the order they are checked. */
export type StaleCause =
  | { cause: 'plan-file'; message: string }
  | { cause: 'file'; message: string }
  | { cause: 'project'; message: string }
  | { cause: 'posthog'; message: string }
  | { cause: 'changes'; message: string; differences: ChangeDifference[] };

export interface ChangeDifference {
  address: string;
  /** 'saved-only', 'recomputed-only', or the dotted paths of the fields whose values differ. */
  what: 'saved-only' | 'recomputed-only' | string[];
  /** The `${...}` references the file uses at those paths: the likely reason a value moved. */
  references: string[];
}

/** The checks that need only the plan file and the warehouse file's hash (before PostHog is asked). */
export function checkSavedPlan(saved: Plan, planFile: string, fileSha256: string, filePath: string): StaleCause | undefined {
  if (saved.digest !== undefined && saved.digest !== planDigest(saved)) {
    return { cause: 'plan-file', message: `${planFile} was edited after \`dwctl plan --out\` wrote it (its content no longer matches its digest)` };
  }
  if (fileSha256 !== saved.file.sha256) return { cause: 'file', message: `${filePath} changed since the plan was made` };
  return undefined;
}

/** Compare a saved plan with the one recomputed now from the same file and options. */
export function compareWithRecomputed(saved: Plan, fresh: Plan, desired: DesiredState, planFile: string): StaleCause | undefined {
  if (fresh.remote.host !== saved.remote.host || fresh.remote.project_id !== saved.remote.project_id) {
    return { cause: 'project', message: `it was made for project ${saved.remote.project_id} on ${saved.remote.host}, not project ${fresh.remote.project_id} on ${fresh.remote.host}` };
  }
  if (fresh.remote.fingerprint !== saved.remote.fingerprint) return { cause: 'posthog', message: "PostHog's sources changed since the plan was made" };
  const differences = diffChanges(saved.changes, fresh.changes, desired);
  const newErrors = fresh.diagnostics.filter((d) => d.severity === 'error' && !saved.diagnostics.some((s) => s.code === d.code && s.path === d.path && s.message === d.message));
  if (differences.length === 0 && newErrors.length === 0) return undefined;
  const listed = differences.slice(0, 10).map(describe);
  if (differences.length > 10) listed.push(`and ${differences.length - 10} more`);
  for (const error of newErrors.slice(0, 5)) listed.push(`new error ${error.code}: ${error.message}`);
  // Requests and targets are derived from the values: when only they differ, nothing but the plan file explains it.
  const derivedOnly = (d: ChangeDifference) => Array.isArray(d.what) && d.what.every((p) => p.startsWith('requests') || p.startsWith('target'));
  const why = differences.some((d) => d.references.length > 0)
    ? 'a reference now resolves differently'
    : newErrors.length === 0 && differences.length > 0 && differences.every(derivedOnly)
      ? `${planFile} was edited: its requests or targets are not what its changes give`
      : saved.digest === undefined
      ? `${planFile} was edited, or a reference or PostHog's discovery now answers differently`
      : "a reference or PostHog's discovery now answers differently";
  return { cause: 'changes', message: `the changes recomputed now differ from the saved ones (${why}): ${listed.join('; ')}`, differences };
}

function describe(d: ChangeDifference): string {
  if (d.what === 'saved-only') return `${d.address} is in the saved plan only`;
  if (d.what === 'recomputed-only') return `${d.address} is new`;
  return `${d.address}: ${d.what.join(', ')}${d.references.length > 0 ? ` (from ${d.references.join(', ')})` : ''}`;
}

export function diffChanges(saved: readonly Change[], fresh: readonly Change[], desired: DesiredState): ChangeDifference[] {
  const savedBy = new Map(saved.map((c) => [c.address, c]));
  const freshBy = new Map(fresh.map((c) => [c.address, c]));
  const out: ChangeDifference[] = [];
  // A duplicated address in the saved plan is an edit too: it can never be recomputed.
  if (savedBy.size !== saved.length) {
    const seen = new Set<string>();
    for (const c of saved) {
      if (seen.has(c.address)) out.push({ address: c.address, what: 'saved-only', references: [] });
      seen.add(c.address);
    }
  }
  for (const [address, change] of savedBy) {
    const other = freshBy.get(address);
    if (!other) {
      out.push({ address, what: 'saved-only', references: [] });
      continue;
    }
    const all = differingPaths(change, other, []);
    // The requests are derived from the same values as `after`: name them only when nothing else differs
    // (a hand-edited request).
    const paths = all.some((p) => !p.startsWith('requests')) ? all.filter((p) => !p.startsWith('requests')) : all;
    if (paths.length > 0) out.push({ address, what: paths, references: referencesAt(desired, change, paths) });
  }
  for (const address of freshBy.keys()) if (!savedBy.has(address)) out.push({ address, what: 'recomputed-only', references: [] });
  return out;
}

function differingPaths(a: unknown, b: unknown, path: string[]): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingPaths(a[k], b[k], [...path, k]));
  }
  return stableStringify(a) === stableStringify(b) ? [] : [path.join('.') || '(whole change)'];
}

/** The file's `${...}` references behind config paths of a source change (after.config.host → config.host). */
function referencesAt(desired: DesiredState, change: Change, paths: string[]): string[] {
  const source = desired.sources.find((s) => s.name === change.source);
  if (!source) return [];
  const found = new Set<string>();
  for (const path of paths) {
    const segments = path.split('.');
    const at = segments.indexOf('config');
    if (at < 0) continue;
    let node: unknown = source.config;
    for (const segment of segments.slice(at + 1)) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    if (typeof node === 'string') for (const match of node.matchAll(/\$\{[^}]*\}/g)) found.add(match[0]);
  }
  return [...found].sort();
}
