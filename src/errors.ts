import { ExitCode } from './cli/exit-codes.js';

/**
 * "Cannot continue" errors. Problems in the user's file are Diagnostics and are returned, not thrown;
 * a DwctlError is thrown once and printed as one line (no stack) with its exit code.
 * `code` is stable, kebab-case, and appears in `{"error": {"code", "message"}}` under `--format json`.
 */
export abstract class DwctlError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: ExitCode;
  /** A second line telling the user what to do about it, when there is one. */
  hint?: string;
}

export class UsageProblem extends DwctlError {
  readonly code = 'usage';
  readonly exitCode = ExitCode.CouldNotRun;
}

export class FileNotFoundError extends DwctlError {
  readonly code = 'file-not-found';
  readonly exitCode = ExitCode.CouldNotRun;
  constructor(readonly file: string) {
    super(`${file}: no such file`);
  }
}

export class StalePlanError extends DwctlError {
  readonly code = 'stale-plan';
  readonly exitCode = ExitCode.Findings;
}

export class ConnectionSettingsError extends DwctlError {
  readonly code = 'connection-settings';
  readonly exitCode = ExitCode.CouldNotRun;
}

/** "Should never happen": printed with its stack and a request for a bug report. */
export class InternalError extends DwctlError {
  readonly code = 'internal';
  readonly exitCode = ExitCode.CouldNotRun;
}
