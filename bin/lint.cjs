'use strict';
// Starts `dwctl lint` from its own bundle, dist/lint.cjs (src/cli/lint-entry.ts), compiled with the V8 code
// cache that the build made by running lint (scripts/build.mjs): V8 then neither parses nor compiles the code
// lint runs, about a third of its start-up. A cache from another Node version is rejected by V8 itself, and
// the bundle is then compiled as usual; the result is the same either way, only slower.
const { readFileSync, statSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'lint.cjs');
const CACHE = `${BUNDLE}.cache`;

/**
 * Run the lint bundle as a CommonJS module; returns its compiled script (the build asks it for the code
 * cache), or undefined when there is no lint bundle (then bin/dwctl.js runs lint from the main bundle).
 */
function startLint({ useCache = true } = {}) {
  let source;
  try {
    source = readFileSync(BUNDLE, 'utf8');
  } catch {
    // No readable lint bundle: bin/dwctl.js runs lint from the main one.
    return undefined;
  }
  let cachedData;
  if (useCache) {
    try {
      // V8 checks only that the cache is for a source of the same length: a bundle edited after the build (a
      // patch applied to it) must not run the code cached from the old one, so a bundle newer than its cache is
      // compiled afresh. (npm gives every file of a package the same time, so an installed cache is used.)
      if (statSync(BUNDLE).mtimeMs <= statSync(CACHE).mtimeMs) cachedData = readFileSync(CACHE);
    } catch {
      // No cache (a build without one): compile as usual.
    }
  }
  const script = new Script(wrap(source), { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return script;
}

module.exports = { startLint, BUNDLE, CACHE };
