import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/diagnostics/codes.js';
import { hasErrors, type Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { lintRenderers } from '../../src/render/lint.js';
import { REPO_ROOT } from '../helpers/spawn-cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { lint } from './lint-helpers.js';

/**
 * Property tests: whatever the text, lint returns (never throws) and every diagnostic is well-formed and
 * positioned inside the file. Seeded, so a failure reproduces; fast-check prints the counterexample.
 */
const SEED = 20261126;
const EXAMPLES = ['examples/postgres-cdc/warehouse.yaml', 'examples/demo/warehouse.yaml']
  .map((p) => join(REPO_ROOT, p))
  .map((p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  })
  .filter((t): t is string => t !== undefined);

function checkDiagnostics(text: string, diagnostics: readonly Diagnostic[]): void {
  // Lines as an editor counts them; a position just after the final newline (end of file) is allowed.
  const lineCount = text.split(/\r\n|\r|\n/).length;
  for (const d of diagnostics) {
    const context = JSON.stringify(d);
    expect(Object.keys(CODES), context).toContain(d.code);
    expect(['error', 'warning', 'info'], context).toContain(d.severity);
    for (const n of [d.line, d.column, d.end_line, d.end_column]) {
      expect(Number.isInteger(n), context).toBe(true);
      expect(n, context).toBeGreaterThanOrEqual(1);
    }
    expect(d.line, context).toBeLessThanOrEqual(lineCount);
    expect(d.end_line, context).toBeLessThanOrEqual(lineCount);
    expect(d.end_line > d.line || (d.end_line === d.line && d.end_column >= d.column), context).toBe(true);
    expect(typeof d.message, context).toBe('string');
    expect(d.message.length, context).toBeGreaterThan(0);
    expect(d.message.includes('\n'), context).toBe(false);
    expect(d.path === '' || d.path.startsWith('/'), context).toBe(true);
    expect(d.file).toBe('warehouse.yaml');
  }
}

/** Codes the generated inputs provoked: the generators must reach past the YAML parser into the rules. */
const seen = new Set<string>();

/** Lint, check the invariants, and render in every format (renderers must not throw either). */
function property(text: string): void {
  const diagnostics = lint(text);
  for (const d of diagnostics) seen.add(d.code);
  checkDiagnostics(text, diagnostics);
  const exitCode = hasErrors(diagnostics) ? 1 : 0;
  expect([0, 1]).toContain(exitCode);
  const run = { files: [{ file: 'warehouse.yaml', text, diagnostics }], version: '0.0.0' };
  for (const render of Object.values(lintRenderers)) expect(typeof render(run, { color: false })).toBe('string');
  JSON.parse(lintRenderers.json(run, { color: false }));
  JSON.parse(lintRenderers.sarif(run, { color: false }));
}

const yamlish = fc.constantFrom(
  ':', ': ', '-', '- ', ' ', '  ', '\n', '\t', '#', '{', '}', '[', ']', ',', '"', "'", '|', '>', '&a', '*a', '!!str ', '!tag',
  '${', '}', '$${', '${X}', '${file:a}', 'version', 'sources', 'tables', 'sync', 'type', 'Postgres', 'Stripe', 'prefix',
  'config', 'webhook', 'cdc', '---', '...', '? ', '%YAML 1.2\n', '\r\n', '\u00e9', '\u{1F600}', '\uFEFF', '0x1F', '1e3', 'null', '~', 'true',
);
const yamlText = fc.array(fc.oneof(yamlish, fc.string({ maxLength: 8 })), { maxLength: 60 }).map((parts) => parts.join(''));

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'indent'; at: number; by: number }
  | { kind: 'insert'; at: number; column: number; text: string }
  | { kind: 'scalar'; at: number; value: unknown };

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('${X}', '${}', '${file:}', 'sk_live_abc', '-----BEGIN RSA PRIVATE KEY-----', 'webhook', 'cdc', 'xmin', 'full_refresh', '[1, 2]', '{a: 1}', '25:99:00'),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), column: fc.nat(), text: fc.oneof(yamlish, fc.string({ maxLength: 4 })) }),
  fc.record({ kind: fc.constant('scalar' as const), at: fc.nat(), value: scalar }),
);

function mutate(text: string, mutations: readonly Mutation[]): string {
  const lines = text.split('\n');
  for (const m of mutations) {
    if (lines.length === 0) lines.push('');
    const i = m.at % lines.length;
    const line = lines[i]!;
    switch (m.kind) {
      case 'delete':
        lines.splice(i, 1);
        break;
      case 'duplicate':
        lines.splice(i, 0, line);
        break;
      case 'swap': {
        const j = m.with % lines.length;
        lines[i] = lines[j]!;
        lines[j] = line;
        break;
      }
      case 'indent':
        lines[i] = m.by >= 0 ? ' '.repeat(m.by) + line : line.replace(new RegExp(`^ {0,${-m.by}}`), '');
        break;
      case 'insert': {
        const c = m.column % (line.length + 1);
        lines[i] = line.slice(0, c) + m.text + line.slice(c);
        break;
      }
      case 'scalar': {
        const colon = line.indexOf(': ');
        if (colon >= 0) lines[i] = `${line.slice(0, colon + 2)}${JSON.stringify(m.value) ?? 'null'}`;
        break;
      }
    }
  }
  return lines.join('\n');
}

/** Random JS values shaped roughly like a warehouse file, so deeper rules get exercised. */
const jsValue = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('any'), { maxLength: 3 }), fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('type', 'prefix', 'config', 'tables', 'sync', 'webhook', 'cdc', 'enabled')), tie('any'), { maxKeys: 4 })),
})).any;
const table = fc.record(
  { sync: fc.oneof(fc.constantFrom('full_refresh', 'incremental', 'append', 'cdc', 'webhook', 'xmin'), scalar), incremental_field: fc.oneof(fc.string(), scalar), sync_time_of_day: scalar },
  { requiredKeys: [] },
);
const source = fc.record(
  {
    type: fc.oneof(fc.constantFrom('Postgres', 'Stripe', 'MySQL', 'BigQuery', 'Snowflake', 'Hubspot', 'Salesforce', 'postgres', 'Nope'), scalar),
    prefix: fc.oneof(fc.constantFrom('shop_', 'shop', '___', '9x', 'a-b', ''), scalar),
    config: fc.oneof(jsValue, fc.dictionary(fc.constantFrom('host', 'port', 'password', 'auth_method', 'ssh_tunnel', 'key_file', 'selection'), jsValue)),
    tables: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(table, jsValue), { maxKeys: 3 }),
    webhook: jsValue,
    cdc: fc.oneof(fc.record({ management: fc.constantFrom('posthog', 'self_managed', 'x') }, { requiredKeys: [] }), jsValue),
  },
  { requiredKeys: [] },
);
const warehouse = fc.record(
  { version: fc.oneof(fc.constant(1), scalar), defaults: jsValue, sources: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('shop_db', 'billing', 'Bad-Name'), fc.string({ maxLength: 6 })), source, { maxKeys: 3 }), jsValue) },
  { requiredKeys: [] },
);

describe('lint on arbitrary input', () => {
  it('random YAML-ish text', () => {
    fc.assert(fc.property(yamlText, property), { seed: SEED, numRuns: 1500 });
  });

  it('mutations of the examples (delete, duplicate, swap, re-indent, insert, replace scalars)', () => {
    expect(EXAMPLES.length).toBeGreaterThan(0);
    const example = fc.constantFrom(...EXAMPLES);
    fc.assert(fc.property(example, fc.array(mutation, { minLength: 1, maxLength: 6 }), (text, ms) => property(mutate(text, ms))), { seed: SEED, numRuns: 1500 });
  });

  it('random values dumped as YAML', () => {
    fc.assert(fc.property(fc.oneof(warehouse, jsValue), (value) => property(stringify(value))), { seed: SEED, numRuns: 1500 });
  });

  it('the inputs reach the schema and the semantic rules, not just the parser', () => {
    expect([...seen].sort()).toEqual(expect.arrayContaining(['yaml-syntax', 'duplicate-key', 'unknown-property', 'missing-property', 'invalid-value', 'unknown-source-type', 'plaintext-secret', 'invalid-reference', 'invalid-prefix', 'incremental-field-required']));
  });

  it('a sample through the in-process CLI exits 0 or 1, with one JSON document on stdout', async () => {
    // Imported here so the pure properties above run even where the CLI cannot be loaded.
    const { runCli } = await import('../helpers/run-cli.js');
    const dir = mkdtempSync(join(tmpdir(), 'dwctl-fuzz-'));
    const samples = fc.sample(fc.oneof(yamlText, warehouse.map((v) => stringify(v))), { seed: SEED, numRuns: 15 });
    for (const [i, text] of samples.entries()) {
      const file = `f${i}.yaml`;
      writeFileSync(join(dir, file), text);
      const result = await runCli(['lint', '--format', 'json', file], { cwd: dir });
      expect([0, 1], text).toContain(result.exitCode);
      const report = JSON.parse(result.stdout) as { valid: boolean };
      expect(report.valid).toBe(result.exitCode === 0);
    }
  });
});
