import { main } from './main.js';

// The process entry of the built CLI (bin/dwctl.js imports the bundle of this file).
for (const stream of [process.stdout, process.stderr]) {
  // `dwctl lint | head` closes the pipe early; that is not an error worth a stack trace.
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** Set once a command took over a signal and it arrived: the process then ends as soon as main returns. */
let interrupted = false;

const exitCode = await main(process.argv.slice(2), {
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
