import type { BaseContext } from 'clipanion';

/**
 * Everything a command may touch of the outside world, injected so tests run commands in-process
 * with their own streams, environment and working directory. Commands never use `process.*`.
 */
export interface DwctlContext extends BaseContext {
  cwd: string;
  /** Whether stdin/stderr are terminals (prompts, live progress). */
  isTTY: boolean;
  /**
   * Take over SIGINT/SIGTERM for a critical section (apply), so it can say what it did before the process
   * ends; returns the function that hands them back. Absent in-process (tests): signals then keep their
   * default effect.
   */
  onInterrupt?: (handler: (signal: InterruptSignal) => void) => () => void;
}

export type InterruptSignal = 'SIGINT' | 'SIGTERM';
