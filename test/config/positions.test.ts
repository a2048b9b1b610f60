import { describe, expect, it } from 'vitest';
import { parseWarehouseFile, spanAt } from '../../src/config/parse.js';
import { NO_NODE, PositionTree, toPlain } from '../../src/config/positions.js';

describe('PositionTree (flat node ranges)', () => {
  it('grows past its initial capacity and keeps every node', () => {
    const tree = new PositionTree('', 2);
    const seq = tree.add('seq', false, 0, 100);
    let last = NO_NODE;
    for (let i = 0; i < 1000; i++) {
      const item = tree.add('scalar', false, i, i + 1);
      tree.append(seq, last, item);
      last = item;
    }
    tree.root = seq;
    const items = tree.items(seq);
    expect(items).toHaveLength(1000);
    expect(items.map((n) => tree.start(n))).toEqual([...Array(1000).keys()]);
  });

  it('pairs keys with values, a key without a value (`{a, b: 1}`) with none', () => {
    const text = '{a, b: 1}';
    const parsed = parseWarehouseFile('w.yaml', text);
    expect(parsed.parser).toBe('fast');
    const tree = parsed.tree!;
    const entries = tree.entries(tree.root).map(({ key, value }) => [tree.nameOf(key), value === NO_NODE ? null : text.slice(tree.start(value), tree.end(value))]);
    expect(entries).toEqual([
      ['a', null],
      ['b', '1'],
    ]);
  });

  it('names a quoted key by its value, a plain key by its text', () => {
    const text = '"we\\"ird": 1\nplain: 2\n';
    const parsed = parseWarehouseFile('w.yaml', text);
    const tree = parsed.tree!;
    expect(tree.entries(tree.root).map(({ key }) => tree.nameOf(key))).toEqual(['we"ird', 'plain']);
    expect(spanAt(parsed, ['we"ird'], 'value')).toMatchObject({ line: 1, column: 12 });
  });

  it('resolves a repeated key to its first occurrence, as yaml does', () => {
    const text = 'a: 1\nb: 2\na: 3\n';
    const parsed = parseWarehouseFile('w.yaml', text);
    expect(spanAt(parsed, ['a'], 'value')).toMatchObject({ line: 1, column: 4 });
    expect(parsed.diagnostics.map((d) => [d.code, d.line])).toEqual([['duplicate-key', 3]]);
  });

  it('toPlain shows the tree as nested objects', () => {
    const text = 'k: [x, y]\n';
    const tree = parseWarehouseFile('w.yaml', text).tree!;
    expect(toPlain(tree)).toEqual({
      kind: 'map',
      flow: false,
      start: 0,
      end: 10,
      pairs: [
        {
          key: { kind: 'scalar', flow: false, start: 0, end: 1 },
          name: 'k',
          value: {
            kind: 'seq',
            flow: true,
            start: 3,
            end: 9,
            items: [
              { kind: 'scalar', flow: false, start: 4, end: 5 },
              { kind: 'scalar', flow: false, start: 7, end: 8 },
            ],
          },
        },
      ],
    });
  });
});
