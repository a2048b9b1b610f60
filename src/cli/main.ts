import type { Cli } from 'clipanion';
import { createCli, runCommandLine } from './command-line.js';
import { commandsFor } from './commands/index.js';
import type { DwctlContext } from './context.js';

export { createCli, unknownCommand } from './command-line.js';

/**
 * Run dwctl with the given arguments and context; returns the exit code and never calls process.exit,
 * so tests run it in-process. Usage errors (unknown flag, bad enum value) are exit 3, on stderr.
 */
export async function main(argv: string[], context: DwctlContext): Promise<number> {
  return runCommandLine(argv, context, commandsFor);
}

/** The CLI with every command registered (for help output and tests that inspect every command's flags). */
export async function createFullCli(): Promise<Cli<DwctlContext>> {
  return createCli(await commandsFor([]));
}
