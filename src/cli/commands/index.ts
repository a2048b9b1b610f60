import type { CommandClass } from 'clipanion';
import type { DwctlContext } from '../context.js';
import { COMMAND_NAMES } from './names.js';

/**
 * Every dwctl command, by the word that starts it, loaded on demand. `dwctl lint` runs on every commit, so
 * its start-up must not pay for plan, apply, the renderers of plan output or the PostHog client: each command
 * is its own chunk of the build, and main() loads only the one the command line names (all of them for
 * `--help`, a bare `dwctl` or an unknown word).
 */
export const COMMANDS: Record<string, () => Promise<CommandClass<DwctlContext>>> = {
  lint: async () => (await import('./lint.js')).LintCommand,
  schema: async () => (await import('./schema.js')).SchemaCommand,
  init: async () => (await import('./init.js')).InitCommand,
  plan: async () => (await import('./plan.js')).PlanCommand,
  show: async () => (await import('./show.js')).ShowCommand,
  discover: async () => (await import('./discover.js')).DiscoverCommand,
  apply: async () => (await import('./apply.js')).ApplyCommand,
  status: async () => (await import('./status.js')).StatusCommand,
  import: async () => (await import('./import.js')).ImportCommand,
};

/**
 * The command classes a command line needs: its command's, none for `--version` (clipanion's own), or all of
 * them when the first word names none (help, a bare `dwctl`, an unknown word).
 */
export async function commandsFor(argv: readonly string[]): Promise<CommandClass<DwctlContext>[]> {
  const first = argv[0];
  if (argv.length === 1 && (first === '--version' || first === '-v')) return [];
  const names = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : COMMAND_NAMES;
  return Promise.all(names.map((name) => COMMANDS[name]!()));
}
