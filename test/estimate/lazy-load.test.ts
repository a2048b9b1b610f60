/**
 * The row estimator and its driver (`pg`) are loaded on demand: the built CLI's static import graph (what
 * `dwctl lint` loads at start-up) reaches neither. Reads dist/, which `npm run build` writes before the suite.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/spawn-cli.js';

function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // Static imports only: `import{…}from"./x.js"` or `import"./x.js"`; `import("./x.js")` is lazy.
    for (const m of text.matchAll(/\bimport\s*(?:[\w${},\s*]+from\s*)?"(\.[^"]+)"/g)) queue.push(join(dirname(file), m[1]!));
  }
  return seen;
}

describe('start-up path of the built CLI', () => {
  it('does not load the row estimator or the pg driver', () => {
    const entry = join(REPO_ROOT, 'dist', 'cli.js');
    expect(existsSync(entry), 'run npm run build first').toBe(true);
    const loaded = [...staticGraph(entry)].map((f) => readFileSync(f, 'utf8'));
    expect(loaded.length).toBeGreaterThan(1);
    for (const text of loaded) {
      expect(text).not.toContain('pg_catalog.pg_class');
      expect(text).not.toContain('SCRAM-SHA-256');
    }
  });
});
