import type { DwctlContext } from './context.js';

/**
 * Run a command line as this process: real streams, environment and signals, and the exit code. Shared by
 * both entries of the build (run.ts for every command, lint-entry.ts for lint's own bundle).
 */
export async function runAsProcess(run: (argv: string[], context: DwctlContext) => Promise<number>): Promise<void> {
  for (const stream of [process.stdout, process.stderr]) {
    // `dwctl lint | head` closes the pipe early; that is not an error worth a stack trace.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }

  /** Set once a command took over a signal and it arrived: the process then ends as soon as the run returns. */
  let interrupted = false;

  const exitCode = await run(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    colorDepth: process.stdout.isTTY ? process.stdout.getColorDepth() : 1,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    onInterrupt: (handler) => {
      const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
        // A second signal while the first is being reported: stop at once.
        if (interrupted) process.exit(signal === 'SIGINT' ? 130 : 143);
        interrupted = true;
        handler(signal);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      return () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
    },
  });
  // After an interrupt, requests still in flight must not keep the process alive until their timeouts.
  if (interrupted) process.exit(exitCode);
  process.exitCode = exitCode;
}
