import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/spawn-cli.js';

/**
 * Layers point one way (docs/architecture.md): a module imports only from its own layer or a lower one.
 * Type-only imports count too: a type is knowledge, and knowledge must not flow upwards either.
 *
 *   cli → render → apply → plan → lint → config → sources / posthog / schema → wizard / diagnostics → base
 */
const LAYERS: [string, number][] = [
  ['src/cli/', 9],
  ['src/render/', 8],
  ['src/apply/', 7],
  ['src/plan/', 6],
  // Row estimates from the source database (--count-rows): an input to recommendations, beside plan.
  ['src/estimate/', 6],
  ['src/lint/', 5],
  ['src/config/', 4],
  ['src/sources/', 3],
  ['src/posthog/', 3],
  ['src/schema/', 3],
  ['src/wizard/', 2],
  ['src/diagnostics/', 2],
  // Base: what every layer may use (errors and their outcomes, secret masking, output sanitising, the version).
  ['src/errors.ts', 1],
  ['src/outcome.ts', 1],
  ['src/secrets.ts', 1],
  // The output sanitiser: pure string functions every layer that prints (and masking) uses.
  ['src/sanitize.ts', 1],
  ['src/version.ts', 1],
  ['src/index.ts', 10],
];

/** Within the same rank, these directories must not import each other (peers stay independent). */
const PEERS_INDEPENDENT = [['src/sources/', 'src/schema/']];

function layerOf(file: string): { name: string; rank: number } | undefined {
  const found = LAYERS.find(([prefix]) => file === prefix || file.startsWith(prefix));
  return found ? { name: found[0], rank: found[1] } : undefined;
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(REPO_ROOT, path)).isDirectory()) return tsFilesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every import and re-export specifier, type-only ones included. */
export function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s+[^'"]*?from\s*['"]([^'"]+)['"]/g)) specifiers.push(m[1]!);
  for (const m of text.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) specifiers.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(m[1]!);
  return specifiers;
}

function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(REPO_ROOT, dirname(from), specifier);
  const candidates = [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, join(target, 'index.ts')];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return found ? relative(REPO_ROOT, found) : relative(REPO_ROOT, target);
}

function violations(): string[] {
  const out: string[] = [];
  for (const file of tsFilesUnder('src')) {
    const from = layerOf(file);
    if (!from) {
      out.push(`${file} belongs to no layer: add it to LAYERS`);
      continue;
    }
    for (const specifier of importsOf(readFileSync(join(REPO_ROOT, file), 'utf8'))) {
      const target = resolveLocal(file, specifier);
      if (!target || !target.startsWith('src/')) continue;
      const to = layerOf(target);
      if (!to) continue; // reported as its own file
      if (to.rank > from.rank) out.push(`${file} (${from.name}) imports ${target} (${to.name}), a higher layer`);
      for (const pair of PEERS_INDEPENDENT) {
        if (pair.includes(from.name) && pair.includes(to.name) && from.name !== to.name) out.push(`${file} imports its peer ${target}`);
      }
    }
  }
  return out;
}

describe('layers', () => {
  it('every import points down (or within its layer)', () => {
    expect(violations()).toEqual([]);
  });

  it('the checker sees type-only imports and re-exports, and knows every src/ directory', () => {
    expect(importsOf("import type { A } from '../cli/a.js';\nexport type * from '../b.js';\nexport { c } from './c.js';")).toEqual(['../cli/a.js', '../b.js', './c.js']);
    const dirs = readdirSync(join(REPO_ROOT, 'src')).filter((d) => statSync(join(REPO_ROOT, 'src', d)).isDirectory());
    for (const dir of dirs) expect(layerOf(`src/${dir}/x.ts`), dir).toBeDefined();
    expect(layerOf('src/plan/plan.ts')!.rank).toBeGreaterThan(layerOf('src/lint/lint.ts')!.rank);
  });
});
