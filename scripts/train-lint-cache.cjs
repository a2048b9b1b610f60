'use strict';
// Run by scripts/build.mjs in a process of its own: lint the examples and a file with findings through the
// lint bundle, output discarded, then save V8's code cache of everything that ran (dist/lint.cjs.cache).
// A cache made after running holds the compiled functions, not just the top level.
const { writeFileSync, readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { startLint, CACHE } = require('../bin/lint.cjs');

const root = join(__dirname, '..');
const examples = readdirSync(join(root, 'examples'))
  .map((name) => join(root, 'examples', name, 'warehouse.yaml'))
  .filter((file) => existsSync(file));
// Findings too, so that the diagnostic and code-frame paths are in the cache.
const withFindings = join(root, 'test', 'fixtures', 'lint', 'cdc-unsupported', 'warehouse.yaml');
process.argv = [process.argv[0], 'dwctl', 'lint', ...examples, withFindings];
process.stdout.write = () => true;
process.stderr.write = () => true;

const script = startLint({ useCache: false });
if (!script) throw new Error('dist/lint.cjs is missing: build it first');
process.once('beforeExit', () => {
  writeFileSync(CACHE, script.createCachedData());
  process.exitCode = 0;
});
