import { describe, expect, it } from 'vitest';
import { parseReferences, singleReference, suggestedVariable } from '../../src/config/references.js';
import { prefixProblem, warehouseTableName } from '../../src/sources/naming.js';
import { describePath } from '../../src/lint/schema-errors.js';
import { fromPointer, sortDiagnostics, toPointer, type Diagnostic } from '../../src/diagnostics/diagnostic.js';

describe('parseReferences', () => {
  it.each([
    ['${A}', [{ reference: { kind: 'env', name: 'A', raw: '${A}' } }]],
    ['${file:k.json}', [{ reference: { kind: 'file', path: 'k.json', raw: '${file:k.json}' } }]],
    ['x-${A}-y', [{ literal: 'x-' }, { reference: { kind: 'env', name: 'A', raw: '${A}' } }, { literal: '-y' }]],
    ['$${A}', [{ literal: '${A}' }]],
    ['plain', [{ literal: 'plain' }]],
  ])('%s', (text, segments) => {
    expect(parseReferences(text)).toEqual({ segments, errors: [] });
  });

  it.each(['${}', '${A', '${9X}', '${env:X}', '${file:}', '${A-B}', '${ A}'])('%s is an error', (text) => {
    expect(parseReferences(text).errors).toHaveLength(1);
  });

  it('singleReference accepts exactly one reference and nothing else', () => {
    expect(singleReference('${A}')).toEqual({ kind: 'env', name: 'A', raw: '${A}' });
    expect(singleReference(' ${A}')).toBeUndefined();
    expect(singleReference('${A}${B}')).toBeUndefined();
    expect(singleReference('literal')).toBeUndefined();
    expect(singleReference('$${A}')).toBeUndefined();
  });

  it('suggestedVariable names a secret after its source, without repeating it', () => {
    expect(suggestedVariable('shop_db', 'password')).toBe('SHOP_DB_PASSWORD');
    expect(suggestedVariable('hubspot', 'hubspot_integration_id')).toBe('HUBSPOT_INTEGRATION_ID');
    expect(suggestedVariable('my-src', 'key file')).toBe('MY_SRC_KEY_FILE');
  });
});

describe("PostHog's prefix rules", () => {
  it.each([
    ['', undefined],
    ['shop_', undefined],
    ['_shop', undefined],
    ['Shop2_', undefined],
    ['___', 'Prefix cannot consist of only underscores'],
    ['_', 'Prefix cannot consist of only underscores'],
    ['9shop', 'Prefix must contain only letters, numbers, and underscores, and start with a letter or underscore'],
    ['_9shop', 'Prefix must contain only letters, numbers, and underscores, and start with a letter or underscore'],
    ['shop-db', 'Prefix must contain only letters, numbers, and underscores, and start with a letter or underscore'],
    ['shop db', 'Prefix must contain only letters, numbers, and underscores, and start with a letter or underscore'],
  ])('%j', (prefix, problem) => {
    expect(prefixProblem(prefix)).toBe(problem);
  });

  it('names warehouse tables lower(prefix + type + "_" + table), dots as __', () => {
    expect(warehouseTableName('shop_', 'Postgres', 'orders')).toBe('shop_postgres_orders');
    expect(warehouseTableName('shop', 'Postgres', 'orders')).toBe('shoppostgres_orders');
    expect(warehouseTableName(null, 'Stripe', 'Customer')).toBe('stripe_customer');
    expect(warehouseTableName('x_', 'Postgres', 'public.orders')).toBe('x_postgres_public__orders');
  });
});

describe('paths', () => {
  it('pointers round-trip, escaping ~ and /', () => {
    const segments = ['sources', 'a/b', 'x~y', '0'];
    expect(toPointer(segments)).toBe('/sources/a~1b/x~0y/0');
    expect(fromPointer(toPointer(segments))).toEqual(segments);
    expect(fromPointer('')).toEqual([]);
  });

  it('describePath quotes segments that are not plain words', () => {
    expect(describePath(['sources', 'shop_db', 'tables', 'public.orders'])).toBe('sources.shop_db.tables."public.orders"');
  });
});

describe('sortDiagnostics', () => {
  const d = (file: string, line: number, column: number, severity: Diagnostic['severity'], code: Diagnostic['code']): Diagnostic => ({
    code,
    severity,
    message: 'm',
    file,
    line,
    column,
    end_line: line,
    end_column: column,
    path: '',
  });
  it('orders by file, line, column, severity, code', () => {
    const sorted = sortDiagnostics([
      d('b', 1, 1, 'error', 'yaml-syntax'),
      d('a', 2, 1, 'error', 'yaml-syntax'),
      d('a', 1, 5, 'warning', 'oauth-source'),
      d('a', 1, 5, 'error', 'plaintext-secret'),
      d('a', 1, 5, 'error', 'invalid-reference'),
    ]);
    expect(sorted.map((x) => `${x.file}:${x.line}:${x.column} ${x.code}`)).toEqual([
      'a:1:5 invalid-reference',
      'a:1:5 plaintext-secret',
      'a:1:5 oauth-source',
      'a:2:1 yaml-syntax',
      'b:1:1 yaml-syntax',
    ]);
  });
});
