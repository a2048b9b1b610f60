import type { Outcome } from './outcome.js';

/**
 * "Cannot continue" errors. Problems in the user's file are Diagnostics and are returned, not thrown;
 * a DwctlError is thrown once and printed as one line (no stack); its outcome becomes the exit code in the CLI.
 * `code` is stable, kebab-case, and appears in `{"error": {"code", "message"}}` under `--format json`.
 */
export abstract class DwctlError extends Error {
  abstract readonly code: string;
  abstract readonly outcome: Outcome;
  /** A second line telling the user what to do about it, when there is one. */
  hint?: string;
}

export class UsageProblem extends DwctlError {
  readonly code = 'usage';
  readonly outcome = 'could-not-run';
}

export class FileNotFoundError extends DwctlError {
  readonly code = 'file-not-found';
  readonly outcome = 'could-not-run';
  constructor(readonly file: string) {
    super(`${file}: no such file`);
  }
}

export class StalePlanError extends DwctlError {
  readonly code = 'stale-plan';
  readonly outcome = 'no';
}

/** `apply` given a read-only plan (made without credential check or discovery): refused, nothing written. */
export class ReadOnlyPlanError extends DwctlError {
  readonly code = 'read-only-plan';
  readonly outcome = 'no';
}

export class ConnectionSettingsError extends DwctlError {
  readonly code = 'connection-settings';
  readonly outcome = 'could-not-run';
}

/** "Should never happen": printed with its stack and a request for a bug report. */
export class InternalError extends DwctlError {
  readonly code = 'internal';
  readonly outcome = 'could-not-run';
}
