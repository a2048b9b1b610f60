import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Pretend to be on a terminal (prompts, live progress). Default false, as in CI. */
  tty?: boolean;
  stdin?: string;
}

/** Run dwctl in-process with captured streams (clipanion's own testing approach). */
export async function runCli(argv: string[], options: RunOptions): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.stdout.push(c));
  stderr.on('data', (c: Buffer) => chunks.stderr.push(c));
  if (options.stdin !== undefined) stdin.end(options.stdin);
  const exitCode = await main(argv, {
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    env: { NO_COLOR: '1', ...options.env },
    colorDepth: 1,
    cwd: options.cwd,
    isTTY: options.tty ?? false,
  });
  return { exitCode, stdout: Buffer.concat(chunks.stdout).toString('utf8'), stderr: Buffer.concat(chunks.stderr).toString('utf8') };
}
