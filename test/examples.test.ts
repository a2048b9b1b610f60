import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrors } from '../src/diagnostics/diagnostic.js';
import { REPO_ROOT } from './helpers/spawn-cli.js';
import { lint } from './lint/lint-helpers.js';

/** Every examples/**\/warehouse.yaml, including ones added later. */
function findExamples(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findExamples(path);
    return entry.name === 'warehouse.yaml' ? [path] : [];
  });
}

const examples = findExamples(join(REPO_ROOT, 'examples')).sort();
const MODELINE = /^# yaml-language-server: \$schema=(\S+)$/;

describe('examples', () => {
  it('there are examples, including the ones this suite documents', () => {
    const names = examples.map((p) => relative(join(REPO_ROOT, 'examples'), p));
    for (const name of ['postgres-cdc/warehouse.yaml', 'stripe-webhooks/warehouse.yaml', 'bigquery/warehouse.yaml', 'snowflake/warehouse.yaml']) {
      expect(names).toContain(name);
    }
  });

  describe.each(examples.map((p) => [relative(REPO_ROOT, p), p] as const))('%s', (_name, path) => {
    const text = readFileSync(path, 'utf8');

    it('lints with exit 0 (warnings allowed, no errors)', () => {
      const diagnostics = lint(text, relative(REPO_ROOT, path));
      expect(diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`)).toEqual([]);
      expect(hasErrors(diagnostics)).toBe(false);
    });

    it('starts with a schema modeline that points at an existing schema file', () => {
      const match = MODELINE.exec(text.split('\n')[0]!);
      expect(match, 'first line must be the yaml-language-server modeline').not.toBeNull();
      const target = resolve(dirname(path), match![1]!);
      expect(existsSync(target), `${match![1]} does not exist`).toBe(true);
      expect(JSON.parse(readFileSync(target, 'utf8'))).toHaveProperty('$schema');
    });
  });

  it('examples/README.md links only to files that exist', () => {
    const readme = readFileSync(join(REPO_ROOT, 'examples', 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThanOrEqual(4);
    for (const link of links) expect(existsSync(join(REPO_ROOT, 'examples', link)), link).toBe(true);
  });
});
