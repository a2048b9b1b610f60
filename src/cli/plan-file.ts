import { UsageProblem } from '../errors.js';
import { targetFromAddress, type Change, type Plan } from '../plan/types.js';
import { readTextFile } from './files.js';

const ACTIONS = new Set(['create', 'update', 'delete', 'no-op']);
const KINDS = new Set(['source', 'table', 'webhook']);

/**
 * Read and sanity-check a saved plan; a file that is not one is a usage problem (exit 3), not a crash.
 * Shape only: whether its content is still what was reviewed is plan/binding.ts's question.
 */
export async function readPlanFile(cwd: string, file: string): Promise<Plan> {
  const text = await readTextFile(cwd, file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageProblem(`${file}: not a plan file (invalid JSON: ${(error as Error).message})`);
  }
  const plan = value as Partial<Plan>;
  if (typeof value !== 'object' || value === null || plan.format_version !== 1 || !Array.isArray(plan.changes) || !Array.isArray(plan.diagnostics) || !plan.file || !plan.remote || !plan.options) {
    throw new UsageProblem(`${file}: not a dwctl plan (expected format_version 1 with changes, diagnostics, file, remote and options)`);
  }
  const bad = plan.changes.findIndex((c: unknown) => {
    const change = c as Partial<Plan['changes'][number]> | null;
    return typeof change !== 'object' || change === null || typeof change.address !== 'string' || typeof change.source !== 'string' || !ACTIONS.has(String(change.action)) || !KINDS.has(String(change.kind));
  });
  if (bad >= 0) throw new UsageProblem(`${file}: changes[${bad}] is not a plan change (expected address, source, kind and action)`);
  // A plan written before changes carried their target and requests (dwctl 0.1): read the target from the
  // address, so it can be shown. It is never applied as written (apply recomputes the plan and compares).
  for (const [index, change] of (plan.changes as Change[]).entries()) {
    if (change.target === undefined) {
      const target = targetFromAddress(change);
      if (!target) throw new UsageProblem(`${file}: changes[${index}] has an address that does not fit its kind and source`);
      change.target = target as never;
    }
    if (change.target === null || typeof change.target !== 'object' || change.target.kind !== change.kind) throw new UsageProblem(`${file}: changes[${index}] has a target that does not fit its kind`);
    if (change.kind === 'table' && typeof change.target.table !== 'string') throw new UsageProblem(`${file}: changes[${index}] is a table change without a table in its target`);
    change.requests ??= [];
  }
  return plan as Plan;
}
