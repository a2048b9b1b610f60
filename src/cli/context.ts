import type { BaseContext } from 'clipanion';

/**
 * Everything a command may touch of the outside world, injected so tests run commands in-process
 * with their own streams, environment and working directory. Commands never use `process.*`.
 */
export interface DwctlContext extends BaseContext {
  cwd: string;
  /** Whether stdin/stderr are terminals (prompts, live progress). */
  isTTY: boolean;
}
