import { Builtins, Cli } from 'clipanion';
import { VERSION } from '../version.js';
import { InitCommand } from './commands/init.js';
import { LintCommand } from './commands/lint.js';
import { SchemaCommand } from './commands/schema.js';
import { PlanCommand } from './commands/plan.js';
import { ShowCommand } from './commands/show.js';
import { DiscoverCommand } from './commands/discover.js';
import { ApplyCommand } from './commands/apply.js';
import { StatusCommand } from './commands/status.js';
import { ImportCommand } from './commands/import.js';
import type { DwctlContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import { closest } from '../lint/suggest.js';

export function createCli(): Cli<DwctlContext> {
  const cli = new Cli<DwctlContext>({ binaryName: 'dwctl', binaryLabel: 'dwctl', binaryVersion: VERSION, enableColors: false });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  cli.register(LintCommand);
  cli.register(SchemaCommand);
  cli.register(InitCommand);
  cli.register(PlanCommand);
  cli.register(ShowCommand);
  cli.register(DiscoverCommand);
  cli.register(ApplyCommand);
  cli.register(StatusCommand);
  cli.register(ImportCommand);
  return cli;
}

/**
 * Run dwctl with the given arguments and context; returns the exit code and never calls process.exit,
 * so tests run it in-process. Usage errors (unknown flag, bad enum value) are exit 3, on stderr.
 */
export async function main(argv: string[], context: DwctlContext): Promise<number> {
  const cli = createCli();
  const unknown = unknownCommand(cli, argv);
  if (unknown) {
    context.stderr.write(`${unknown}\n`);
    if (wantsJson(argv)) context.stdout.write(JSON.stringify({ error: { code: 'usage', message: unknown.replace(/^error: /, '') } }, null, 2) + '\n');
    return ExitCode.CouldNotRun;
  }
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
export function unknownCommand(cli: Cli<DwctlContext>, argv: readonly string[]): string | undefined {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) return undefined;
  const commands = [...new Set(cli.definitions().map((d) => d.path.split(' ')[1]).filter((c): c is string => !!c && !c.startsWith('-')))];
  if (commands.includes(first)) return undefined;
  const hint = closest(first, commands);
  // The word is echoed from the command line: shown without control characters.
  const shown = first.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 60);
  return `error: unknown command "${shown}".${hint ? ` Did you mean ${hint}?` : ''} See dwctl --help.`;
}
