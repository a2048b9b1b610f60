import type { Outcome } from '../outcome.js';

/** Exit codes are public API (contract §4); the README mirrors this table and scenario tests pin it. */
export const ExitCode = {
  /** Success; for `plan --detailed-exitcode`: no changes. */
  Ok: 0,
  /** The answer is "no": lint errors, a blocked plan, a failed change, a stale saved plan. */
  Findings: 1,
  /** `plan --detailed-exitcode` only: changes are pending. */
  Changes: 2,
  /** Could not run: bad usage, file not found, PostHog unreachable, authentication or permission refused. */
  CouldNotRun: 3,
  /** `apply` stopped by SIGINT (128 + 2, the shell convention), after saying what was done and what was not. */
  InterruptedSigint: 130,
  /** `apply` stopped by SIGTERM (128 + 15). */
  InterruptedSigterm: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The one mapping from what an error means to how the process reports it. */
export function exitCodeOf(outcome: Outcome): ExitCode {
  return outcome === 'no' ? ExitCode.Findings : ExitCode.CouldNotRun;
}
