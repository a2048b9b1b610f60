import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/spawn-cli.js';

/**
 * The pure core takes values and returns values (style §7.3): no file system, network or processes, no CLI,
 * no `process.*`. Checked on the source text, for each pure module and everything it imports from src/.
 */
const PURE_FILES = ['src/config/parse.ts', 'src/config/references.ts', 'src/schema/generate.ts', 'src/wizard/catalog.ts', 'src/plan/plan.ts'];
const PURE_DIRS = ['src/lint', 'src/diagnostics', 'src/render'];

const FORBIDDEN_MODULES = [/^(node:)?fs(\/promises)?$/, /^(node:)?net$/, /^(node:)?child_process$/, /^(node:)?http2?$/, /^(node:)?https$/, /^(node:)?dgram$/, /^(node:)?tls$/, /^undici(\/|$)/];

function tsFilesUnder(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(REPO_ROOT, path)).isDirectory()) return tsFilesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Static, side-effect and dynamic import specifiers, and re-exports. `import type` is erased at runtime: skipped. */
function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s+(type\s)?[^'"]*?from\s*['"]([^'"]+)['"]/g)) if (!m[1]) specifiers.push(m[2]!);
  for (const m of text.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) specifiers.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(m[1]!);
  return specifiers;
}

/** Comments can mention process.env; code may not. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(REPO_ROOT, dirname(from), specifier);
  const candidates = [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, join(target, 'index.ts')];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return found ? relative(REPO_ROOT, found) : undefined;
}

const roots = [...PURE_FILES.filter((f) => existsSync(join(REPO_ROOT, f))), ...PURE_DIRS.flatMap(tsFilesUnder)].sort();

/** Each pure module plus the src/ modules it reaches through imports, with the chain that reached them. */
function closure(): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const queue: [string, string[]][] = roots.map((r) => [r, [r]]);
  for (let item = queue.shift(); item; item = queue.shift()) {
    const [file, chain] = item;
    if (reached.has(file) || !file.endsWith('.ts')) continue;
    reached.set(file, chain);
    for (const specifier of importsOf(readFileSync(join(REPO_ROOT, file), 'utf8'))) {
      const local = resolveLocal(file, specifier);
      if (local) queue.push([local, [...chain, local]]);
    }
  }
  return reached;
}

describe('pure modules', () => {
  it('the list is not empty and names files that exist', () => {
    expect(roots).toContain('src/lint/lint.ts');
    expect(roots).toContain('src/render/lint.ts');
    expect(roots).toContain('src/diagnostics/codes.ts');
    for (const f of PURE_FILES.filter((f) => f !== 'src/plan/plan.ts')) expect(existsSync(join(REPO_ROOT, f)), f).toBe(true);
  });

  const modules = [...closure()];

  it.each(modules)('%s imports no IO module and nothing from src/cli', (file, chain) => {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    const via = chain.join(' → ');
    for (const specifier of importsOf(text)) {
      for (const forbidden of FORBIDDEN_MODULES) expect(forbidden.test(specifier), `${via} imports ${specifier}`).toBe(false);
      const local = resolveLocal(file, specifier);
      if (local) expect(local.startsWith('src/cli/'), `${via} imports ${local}`).toBe(false);
    }
  });

  it.each(modules)('%s does not use process.*', (file, chain) => {
    const code = withoutComments(readFileSync(join(REPO_ROOT, file), 'utf8'));
    expect(/\bprocess\s*\.|\bglobalThis\.process\b/.test(code), `${chain.join(' → ')} uses process.`).toBe(false);
  });

  it('the checker itself catches the forbidden patterns', () => {
    expect(importsOf("import { readFile } from 'node:fs/promises';\nimport 'undici';\nconst x = await import('node:net');")).toEqual(['node:fs/promises', 'undici', 'node:net']);
    expect(importsOf("import type { A } from './a.js';\nimport { type B, c } from './b.js';\nexport { d } from './d.js';")).toEqual(['./b.js', './d.js']);
    expect(FORBIDDEN_MODULES.some((f) => f.test('fs'))).toBe(true);
    expect(/\bprocess\s*\./.test(withoutComments('// process.env in a comment\nconst a = 1;'))).toBe(false);
    expect(/\bprocess\s*\./.test(withoutComments('const a = process.env.X;'))).toBe(true);
  });
});
