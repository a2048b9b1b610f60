/**
 * What a failure means for the run, independent of how a process reports it: "no" (the answer is no: a
 * refused request, a stale plan) or "could-not-run" (bad usage, PostHog unreachable, access refused).
 * Errors below the CLI carry an outcome; only the CLI maps it to an exit code (cli/exit-codes.ts).
 */
export type Outcome = 'no' | 'could-not-run';
