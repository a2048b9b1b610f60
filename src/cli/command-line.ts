import { Builtins, Cli, type CommandClass } from 'clipanion';
import { VERSION } from '../version.js';
import type { DwctlContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import { closest } from '../lint/suggest.js';
import { COMMAND_NAMES } from './commands/names.js';

/** A clipanion CLI with the given commands (and clipanion's --help and --version). */
export function createCli(commands: readonly CommandClass<DwctlContext>[]): Cli<DwctlContext> {
  const cli = new Cli<DwctlContext>({ binaryName: 'dwctl', binaryLabel: 'dwctl', binaryVersion: VERSION, enableColors: false });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  for (const command of commands) cli.register(command);
  return cli;
}

/** The command classes a command line needs. */
export type LoadCommands = (argv: readonly string[]) => Promise<CommandClass<DwctlContext>[]>;

/**
 * Run a dwctl command line with the given context; returns the exit code and never calls process.exit, so
 * tests run it in-process. Usage errors (unknown flag, bad enum value) are exit 3, on stderr. `loadCommands`
 * gives the command classes: main.ts loads them from every command's chunk, lint-entry.ts has only lint.
 */
export async function runCommandLine(argv: string[], context: DwctlContext, loadCommands: LoadCommands): Promise<number> {
  const unknown = unknownCommand(argv);
  if (unknown) {
    context.stderr.write(`${unknown}\n`);
    if (wantsJson(argv)) context.stdout.write(JSON.stringify({ error: { code: 'usage', message: unknown.replace(/^error: /, '') } }, null, 2) + '\n');
    return ExitCode.CouldNotRun;
  }
  // Only the named command is loaded and registered: clipanion builds its parser from every registered
  // command on each run, and loading the others would put plan and apply on lint's start-up path.
  const cli = createCli(await loadCommands(argv));
  let command;
  try {
    command = cli.process(argv, context);
  } catch (error) {
    context.stderr.write(cli.error(error));
    // `--format json` promises one JSON document on stdout, even for a command line that does not parse.
    if (wantsJson(argv)) {
      const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      context.stdout.write(JSON.stringify({ error: { code: 'usage', message } }, null, 2) + '\n');
    }
    return ExitCode.CouldNotRun;
  }
  return cli.run(command, context);
}

function wantsJson(argv: readonly string[]): boolean {
  const format = argv.find((a, i) => argv[i - 1] === '--format') ?? argv.find((a) => a.startsWith('--format='))?.slice('--format='.length);
  return format === 'json' || format === 'sarif';
}

/**
 * `dwctl plna`: one line naming the closest command, instead of clipanion's list of every command's
 * usage. Undefined when the first word is a command (or a flag such as --help).
 */
export function unknownCommand(argv: readonly string[]): string | undefined {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) return undefined;
  if (COMMAND_NAMES.includes(first)) return undefined;
  const hint = closest(first, COMMAND_NAMES);
  // The word is echoed from the command line: shown without control characters.
  const shown = first.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 60);
  return `error: unknown command "${shown}".${hint ? ` Did you mean ${hint}?` : ''} See dwctl --help.`;
}
