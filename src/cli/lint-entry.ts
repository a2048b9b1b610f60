import { runCommandLine } from './command-line.js';
import { LintCommand } from './commands/lint.js';
import { runAsProcess } from './process.js';

/**
 * The process entry of `dwctl lint` (dist/lint.cjs). lint runs in pre-commit hooks and editors, on every
 * commit: it gets a bundle of its own, one CommonJS file that bin/dwctl.js compiles from the V8 code cache
 * the build made (scripts/build.mjs), so a run neither resolves a graph of ESM chunks nor parses and compiles
 * the code it needs. It holds the lint command only; the same runCommandLine gives it the CLI's behaviour.
 */
void runAsProcess((argv, context) => runCommandLine(argv, context, async () => [LintCommand]));
