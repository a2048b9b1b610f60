import { main } from './main.js';

// The process entry of the built CLI (bin/dwctl.js imports the bundle of this file).
for (const stream of [process.stdout, process.stderr]) {
  // `dwctl lint | head` closes the pipe early; that is not an error worth a stack trace.
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  colorDepth: process.stdout.isTTY ? process.stdout.getColorDepth() : 1,
  cwd: process.cwd(),
  isTTY: Boolean(process.stdin.isTTY && process.stderr.isTTY),
});
