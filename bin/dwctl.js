#!/usr/bin/env node
import { createRequire } from 'node:module';

// `dwctl lint` (pre-commit hooks, editors) starts from its own bundle and a code cache (bin/lint.cjs);
// every other command, and lint when that bundle is missing, from the main one.
if (process.argv[2] !== 'lint' || !createRequire(import.meta.url)('./lint.cjs').startLint()) await import('../dist/cli.js');
