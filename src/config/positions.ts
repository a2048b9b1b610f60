/**
 * Where things are in a warehouse.yaml, independent of the parser that found them: a tree of node ranges
 * (offsets into the text) that both parse paths build — the fast path directly, the `yaml` path from its
 * Document. Diagnostics ask it for the span of a path.
 */
export interface PositionNode {
  kind: 'map' | 'seq' | 'scalar';
  /** A `{...}` / `[...]` collection (its whole range is shown), not a block one (only its first line). */
  flow: boolean;
  /** Offset of the node's first character. */
  start: number;
  /** Offset just after the node's value (for a block collection: at least the end of its first line). */
  end: number;
  /** Mapping entries, in file order (a repeated key appears twice; lookups take the first, as `yaml` does). */
  pairs?: PositionPair[];
  /** Sequence items. */
  items?: PositionNode[];
}

export interface PositionPair {
  key: PositionNode;
  /** The key as a string, compared with path segments. */
  name: string;
  /** Absent for a key written without a value in a flow mapping (`{a, b: 1}`). */
  value?: PositionNode;
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
