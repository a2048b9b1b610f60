import { UsageError } from 'clipanion';
import { DwctlError, InternalError } from '../errors.js';
import { ExitCode, exitCodeOf } from './exit-codes.js';
import type { DwctlContext } from './context.js';
import { jsonSafe, neutraliseWorkflowCommands, terminalBlock } from '../sanitize.js';

/**
 * The single place where a thrown error becomes output and an exit code. Known errors print one line
 * (plus a hint) on stderr; under `--format json` stdout also gets `{"error": {"code", "message"}}` so a
 * machine reader never sees an empty document. Unknown errors are bugs: stack and a request to report.
 */
export function reportError(error: unknown, context: DwctlContext, options: { json: boolean; verbose: boolean; mask?: (text: string) => string }): ExitCode {
  const mask = options.mask ?? ((text: string) => text);
  let code: string;
  let message: string;
  let exitCode: ExitCode;
  let hint: string | undefined;
  if (error instanceof DwctlError && !(error instanceof InternalError)) {
    code = error.code;
    message = error.message;
    exitCode = exitCodeOf(error.outcome);
    hint = error.hint;
  } else if (error instanceof UsageError) {
    code = 'usage';
    message = error.message;
    exitCode = ExitCode.CouldNotRun;
  } else {
    code = 'internal';
    message = error instanceof Error ? error.message : String(error);
    exitCode = ExitCode.CouldNotRun;
    hint = 'This is a bug in dwctl. Please report it with the command you ran (secrets removed).';
  }
  message = mask(message);
  // Messages quote PostHog's texts and the file's values: masked, then controls escaped and `::` lines broken
  // (GitHub's runner reads stderr for workflow commands too).
  const write = (text: string) => context.stderr.write(`${neutraliseWorkflowCommands(terminalBlock(text))}\n`);
  write(`error: ${message}`);
  if (hint) write(mask(hint));
  if (code === 'internal' && error instanceof Error && error.stack) write(mask(error.stack));
  else if (options.verbose && error instanceof Error && error.stack) write(mask(error.stack));
  if (options.json) context.stdout.write(jsonSafe(JSON.stringify({ error: { code, message } }, null, 2) + '\n'));
  return exitCode;
}
