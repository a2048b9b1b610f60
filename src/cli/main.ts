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
  let command;
  try {
    command = cli.process(argv, context);
  } catch (error) {
    context.stderr.write(cli.error(error));
    // `--format json` promises one JSON document on stdout, even for a command line that does not parse.
    const format = argv.find((a, i) => argv[i - 1] === '--format') ?? argv.find((a) => a.startsWith('--format='))?.slice('--format='.length);
    if (format === 'json' || format === 'sarif') {
      const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      context.stdout.write(JSON.stringify({ error: { code: 'usage', message } }, null, 2) + '\n');
    }
    return ExitCode.CouldNotRun;
  }
  return cli.run(command, context);
}
