import { UsageProblem } from '../errors.js';
import type { Plan } from '../plan/types.js';
import { readTextFile } from './files.js';

/** Read and sanity-check a saved plan; a file that is not one is a usage problem (exit 3), not a crash. */
export async function readPlanFile(cwd: string, file: string): Promise<Plan> {
  const text = await readTextFile(cwd, file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageProblem(`${file}: not a plan file (invalid JSON: ${(error as Error).message})`);
  }
  const plan = value as Partial<Plan>;
  if (typeof value !== 'object' || value === null || plan.format_version !== 1 || !Array.isArray(plan.changes) || !Array.isArray(plan.diagnostics) || !plan.file || !plan.remote) {
    throw new UsageProblem(`${file}: not a dwctl plan (expected format_version 1 with changes, diagnostics, file and remote)`);
  }
  return plan as Plan;
}
