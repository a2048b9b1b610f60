import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toPlain, type PositionNode } from '../../src/config/positions.js';
import { lintText } from '../../src/lint/lint.js';
import { bundledValidator } from '../../src/schema/bundled-validator.js';
import { bundledCatalog } from '../../src/sources/catalog.js';
import { generateLargeWarehouse } from '../bench/generate-large.mjs';
import { REPO_ROOT } from '../helpers/spawn-cli.js';
import { jsValue, mutate, mutation, warehouse, yamlText } from './arbitraries.js';
import { FIXTURES } from './lint-helpers.js';

/**
 * Lint has two parse paths (src/config/parse.ts): a fast one for the YAML warehouse files are made of, and
 * the `yaml` package for everything else. Whatever the fast path accepts, it must read exactly as `yaml`
 * does: the same value, the same node positions, the same diagnostics at the same line and column.
 */
// FUZZ_SEED=n explores other inputs locally; CI keeps the fixed seed so a failure reproduces.
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const options = { validate: bundledValidator(), catalog: bundledCatalog() };
const used = { fast: 0, yaml: 0, none: 0 };

function sameThroughBothPaths(text: string): void {
  const auto = lintText('warehouse.yaml', text, options);
  const reference = lintText('warehouse.yaml', text, options, { parser: 'yaml' });
  used[auto.parsed.parser]++;
  const context = JSON.stringify(text);
  expect(auto.parsed.value, context).toEqual(reference.parsed.value);
  expect(auto.diagnostics, context).toEqual(reference.diagnostics);
  if (auto.parsed.parser === 'fast') expect(shown(toPlain(auto.parsed.tree!), text), context).toEqual(shown(toPlain(reference.parsed.tree!), text));
}

/**
 * The tree as diagnostics use it: a block collection is shown by its first line only (spanAt), so where
 * exactly its range ends past that line (before or after trailing comment lines) does not matter.
 */
function shown(node: PositionNode | undefined, text: string): unknown {
  if (!node) return node;
  const lineEnd = text.indexOf('\n', node.start);
  const end = node.kind !== 'scalar' && !node.flow ? Math.min(node.end, lineEnd === -1 ? node.start + 1 : Math.max(node.start + 1, lineEnd)) : node.end;
  return {
    ...node,
    end,
    ...(node.pairs ? { pairs: node.pairs.map((p) => ({ ...p, key: shown(p.key, text), value: shown(p.value, text) })) } : {}),
    ...(node.items ? { items: node.items.map((i) => shown(i, text)) } : {}),
  };
}

function corpus(): [string, string][] {
  const files: [string, string][] = [];
  for (const name of readdirSync(FIXTURES)) files.push([`fixtures/lint/${name}`, readFileSync(join(FIXTURES, name, 'warehouse.yaml'), 'utf8')]);
  for (const name of readdirSync(join(REPO_ROOT, 'examples'))) {
    const file = join(REPO_ROOT, 'examples', name, 'warehouse.yaml');
    if (existsSync(file)) files.push([`examples/${name}`, readFileSync(file, 'utf8')]);
  }
  return files;
}

/** Layout variations that must not change what the file means. */
const decorated = fc
  .record({
    value: fc.oneof(warehouse, jsValue),
    collectionStyle: fc.constantFrom('block', 'flow', 'any'),
    indent: fc.constantFrom(2, 4),
    indentSeq: fc.boolean(),
    stringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
    keyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    comments: fc.boolean(),
    mutations: fc.oneof(fc.constant([]), fc.array(mutation, { minLength: 1, maxLength: 2 })),
  })
  .map((r) => {
    let text = stringify(r.value, {
      collectionStyle: r.collectionStyle as 'block',
      indent: r.indent,
      indentSeq: r.indentSeq,
      defaultStringType: r.stringType as 'PLAIN',
      defaultKeyType: r.keyType as 'PLAIN' | null,
      lineWidth: 0,
    });
    if (r.comments) text = text.replace(/\n/g, (nl, at: number) => (at % 3 === 0 ? ' # note\n' : at % 5 === 0 ? '\n# between\n\n' : nl));
    text = mutate(text, r.mutations);
    if (r.crlf) text = text.replace(/\n/g, '\r\n');
    if (r.bom) text = `\uFEFF${text}`;
    return text;
  });

describe('the fast parse path reads files exactly as the yaml path does', () => {
  it.each(corpus())('%s', (_name, text) => {
    sameThroughBothPaths(text);
    sameThroughBothPaths(text.replace(/\n/g, '\r\n'));
    sameThroughBothPaths(`\uFEFF${text}`);
  });

  it('the large generated file (the benchmark input) goes through the fast path', () => {
    const text = generateLargeWarehouse({ sources: 6, tables: 40 });
    const auto = lintText('warehouse.yaml', text, options);
    expect(auto.parsed.parser).toBe('fast');
    sameThroughBothPaths(text);
  });

  it.each([
    ['duplicate keys', 'version: 1\nversion: 2\nsources:\n  a: {type: Postgres, type: MySQL}\n  a: {}\n'],
    ['anchors and aliases', 'version: 1\ndefaults: &d\n  sync_frequency: 1hour\nsources:\n  a:\n    type: Postgres\n    config: *d\n'],
    ['flow collections', 'version: 1\nsources: {a: {type: Postgres, tables: {t: {sync: full_refresh, primary_key: [id, "x y", \'z\']}}}}\n'],
    ['block scalars', 'version: 1\nsources:\n  a:\n    description: |\n      two\n      lines\n    type: >-\n      Postgres\n'],
    ['quoted escapes', 'version: 1\nsources:\n  "a\\tb": {type: "Post\\u0067res", prefix: \'it\'\'s\'}\n'],
    ['core schema scalars', 'a: yes\nb: no\nc: 1:30\nd: 2001-12-14\ne: 0o17\nf: 0x1F\ng: 1e3\nh: .inf\ni: ~\nj: TRUE\nk: 012\nl: +5\nm: -.5\nn: 1_000\n'],
    ['empty values', 'a:\nb:   \nc: # comment\nd: {x: , y}\n'],
    ['a sequence at the key\'s indent', 'a:\n- 1\n- b: 2\n  c: [3]\n'],
    ['a multi-line plain scalar', 'a: one\n  two\nb: 3\n'],
    ['a document marker', '---\nversion: 1\n'],
    ['two documents', 'version: 1\n---\nversion: 2\n'],
    ['tags', 'a: !!binary aGVsbG8=\nb: !custom x\nc: !!str 5\n'],
    ['tabs', 'a:\tb\n'],
    ['a lone CR', 'a: 1\rb: 2\n'],
  ])('%s', (_name, text) => {
    sameThroughBothPaths(text);
    sameThroughBothPaths(text.replace(/\n/g, '\r\n'));
    sameThroughBothPaths(`\uFEFF${text}`);
  });

  it('generated files: values dumped in every layout, with comments, CRLF, BOM and mutations', () => {
    const before = { ...used };
    fc.assert(fc.property(decorated, sameThroughBothPaths), { seed: SEED, numRuns: 3000 });
    // The property means something only if many generated files take the fast path (unmutated ones mostly do).
    expect(used.fast - before.fast).toBeGreaterThan(1000);
  });

  it('random YAML-ish text', () => {
    fc.assert(fc.property(yamlText, sameThroughBothPaths), { seed: SEED, numRuns: 1000 });
  });
});
