/**
 * Where things are in a warehouse.yaml, independent of the parser that found them: a tree of node ranges
 * (offsets into the text) that both parse paths build — the fast path directly, the `yaml` path from its
 * Document. Diagnostics ask it for the span of a path.
 *
 * The tree lives in flat typed arrays, one slot per node, not in an object per node: a large file has
 * hundreds of thousands of nodes that all live until lint ends, and as objects they were most of what the
 * garbage collector had to copy (a third of a large lint's time). A node is its index; -1 is "none".
 */
export type NodeKind = 'map' | 'seq' | 'scalar';

const MAP = 1;
const SEQ = 2;
const SCALAR = 3;
const KIND_MASK = 3;
/** A `{...}` / `[...]` collection (its whole range is shown), not a block one (only its first line). */
const FLOW = 4;
const KIND_NAMES: readonly NodeKind[] = ['scalar', 'map', 'seq', 'scalar'];
/** The flags of the placeholder that stands for a missing value (`a` in `{a, b: 1}`), keeping keys and values paired. */
const NO_VALUE_FLAGS = 0;

export const NO_NODE = -1;

export class PositionTree {
  /** The document's root node, or NO_NODE for an empty document. */
  root = NO_NODE;
  private size = 0;
  private flags: Uint8Array;
  private starts: Int32Array;
  private ends: Int32Array;
  /** A collection's first child; a mapping's children are key, value, key, value… */
  private firsts: Int32Array;
  /** The next sibling. */
  private nexts: Int32Array;
  /**
   * Key names that are not simply the key's text: quoted keys (the fast path) and every key of the `yaml`
   * path. Any other key's name is `text.slice(start, end)`, so the fast path stores no string per key.
   */
  private readonly names = new Map<number, string>();
  /**
   * Per mapping looked up by name: each name's first key. Built on the first lookup, once the tree is
   * complete, so that a mapping of 100,000 keys (a hostile file) costs one pass, not one per diagnostic.
   */
  private readonly keyIndexes = new Map<number, Map<string, number>>();
  /** Per sequence looked up by position: its items, listed on the first lookup (as keyIndexes, for the same reason). */
  private readonly itemIndexes = new Map<number, number[]>();

  constructor(
    private readonly text: string,
    capacity = 64,
  ) {
    this.flags = new Uint8Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.firsts = new Int32Array(capacity);
    this.nexts = new Int32Array(capacity);
  }

  // ---- building ----

  /** A new node with no children and no sibling yet. */
  add(kind: NodeKind, flow: boolean, start: number, end: number): number {
    if (this.size === this.flags.length) this.grow();
    const node = this.size++;
    this.flags[node] = (kind === 'map' ? MAP : kind === 'seq' ? SEQ : SCALAR) | (flow ? FLOW : 0);
    this.starts[node] = start;
    this.ends[node] = end;
    this.firsts[node] = NO_NODE;
    this.nexts[node] = NO_NODE;
    return node;
  }

  /** The placeholder for a key's missing value (`a` in `{a, b: 1}`). */
  addMissingValue(at: number): number {
    const node = this.add('scalar', false, at, at);
    this.flags[node] = NO_VALUE_FLAGS;
    return node;
  }

  setEnd(node: number, end: number): void {
    this.ends[node] = end;
  }

  /** Make `child` the collection's first child (`previous` NO_NODE) or the sibling after `previous`. */
  append(collection: number, previous: number, child: number): void {
    if (previous === NO_NODE) this.firsts[collection] = child;
    else this.nexts[previous] = child;
  }

  /** Record a key's name when it differs from its text (quoted, or from the `yaml` path). */
  setName(key: number, name: string): void {
    this.names.set(key, name);
  }

  private grow(): void {
    const capacity = this.flags.length * 2;
    const grown = <T extends Uint8Array | Int32Array>(from: T): T => {
      const to = new (from.constructor as new (n: number) => T)(capacity);
      to.set(from);
      return to;
    };
    this.flags = grown(this.flags);
    this.starts = grown(this.starts);
    this.ends = grown(this.ends);
    this.firsts = grown(this.firsts);
    this.nexts = grown(this.nexts);
  }

  // ---- reading ----

  kind(node: number): NodeKind {
    return KIND_NAMES[this.flags[node]! & KIND_MASK]!;
  }

  isFlow(node: number): boolean {
    return (this.flags[node]! & FLOW) !== 0;
  }

  start(node: number): number {
    return this.starts[node]!;
  }

  end(node: number): number {
    return this.ends[node]!;
  }

  firstChild(node: number): number {
    return this.firsts[node]!;
  }

  next(node: number): number {
    return this.nexts[node]!;
  }

  /** A mapping key's name. */
  nameOf(key: number): string {
    return this.names.get(key) ?? this.text.slice(this.starts[key], this.ends[key]);
  }

  /**
   * The first key of a mapping called `name` (the one `yaml` resolves a repeated key to), or NO_NODE. Only
   * for a complete tree: the mapping's index is built on the first call and not updated afterwards.
   */
  keyNamed(map: number, name: string): number {
    let index = this.keyIndexes.get(map);
    if (!index) {
      index = new Map();
      for (let key = this.firsts[map]!; key !== NO_NODE; key = this.nexts[this.nexts[key]!]!) {
        const keyName = this.nameOf(key);
        if (!index.has(keyName)) index.set(keyName, key);
      }
      this.keyIndexes.set(map, index);
    }
    return index.get(name) ?? NO_NODE;
  }

  /** A sequence's item at `index` (0-based), or NO_NODE. Only for a complete tree, as keyNamed. */
  itemAt(seq: number, index: number): number {
    let items = this.itemIndexes.get(seq);
    if (!items) {
      items = this.items(seq);
      this.itemIndexes.set(seq, items);
    }
    return items[index] ?? NO_NODE;
  }

  /** The value node of a mapping key; NO_NODE for a key written without a value (`a` in `{a, b: 1}`). */
  valueOf(key: number): number {
    const value = this.nexts[key]!;
    return this.flags[value]! === NO_VALUE_FLAGS ? NO_NODE : value;
  }

  /**
   * A mapping's entries in file order (a repeated key appears twice). `value` is NO_NODE for a key written
   * without a value in a flow mapping (`{a, b: 1}`).
   */
  entries(map: number): { key: number; value: number }[] {
    const out: { key: number; value: number }[] = [];
    for (let key = this.firsts[map]!; key !== NO_NODE; ) {
      out.push({ key, value: this.valueOf(key) });
      // Keys and values alternate (a missing value has its placeholder), so the next key follows the value slot.
      key = this.nexts[this.nexts[key]!]!;
    }
    return out;
  }

  /** A sequence's items in order. */
  items(seq: number): number[] {
    const out: number[] = [];
    for (let item = this.firsts[seq]!; item !== NO_NODE; item = this.nexts[item]!) out.push(item);
    return out;
  }
}

/** One node as a plain object (for tests and debugging: what the tree says, in a form `toEqual` can compare). */
export interface PositionNode {
  kind: NodeKind;
  flow: boolean;
  /** Offset of the node's first character. */
  start: number;
  /** Offset just after the node's value (for a block collection: at least the end of its first line). */
  end: number;
  pairs?: { key: PositionNode; name: string; value?: PositionNode }[];
  items?: PositionNode[];
}

export function toPlain(tree: PositionTree, node: number = tree.root): PositionNode | undefined {
  if (node === NO_NODE) return undefined;
  const plain: PositionNode = { kind: tree.kind(node), flow: tree.isFlow(node), start: tree.start(node), end: tree.end(node) };
  if (plain.kind === 'map') {
    plain.pairs = tree.entries(node).map(({ key, value }) => ({ key: toPlain(tree, key)!, name: tree.nameOf(key), ...(value === NO_NODE ? {} : { value: toPlain(tree, value) }) }));
  } else if (plain.kind === 'seq') {
    plain.items = tree.items(node).map((item) => toPlain(tree, item)!);
  }
  return plain;
}

/** Offsets → 1-based line and column, as `yaml`'s LineCounter counts them (a line starts after each \n). */
export class LineIndex {
  readonly lineStarts: number[] = [0];

  constructor(text: string) {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.lineStarts.push(at + 1);
  }

  linePos(offset: number): { line: number; col: number } {
    const starts = this.lineStarts;
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (offset < starts[mid]!) high = mid;
      else low = mid + 1;
    }
    // low is the number of line starts at or before offset.
    return { line: low, col: offset - starts[low - 1]! + 1 };
  }
}
