import { NO_NODE, PositionTree } from './positions.js';

/**
 * The fast parse path of lint: one pass over the text that builds the plain value and the node ranges
 * together, for the YAML that warehouse files are made of — block mappings and sequences, single-line
 * plain and quoted scalars, single-line flow collections, comments, a BOM, CRLF line ends, repeated keys.
 *
 * It is deliberately a subset. Anything else — anchors, aliases, tags, block scalars (`|`, `>`), multi-line
 * scalars or flow collections, document markers, directives, tabs, complex keys, and every syntax error —
 * makes it return `undefined`, and the caller parses the file with the `yaml` package instead, which stays
 * the reference: where this path answers, it answers exactly what the `yaml` path would (same values with
 * YAML 1.2 core-schema scalars, same ranges), which test/lint/parse-equivalence.test.ts checks.
 */
export interface FastParse {
  value: unknown;
  tree: PositionTree;
  /** Each repeated key: the repeat and the first occurrence (key nodes of `tree`), in file order. */
  duplicates: { repeat: number; first: number; name: string }[];
}

/** Thrown (and caught below) when the text leaves the subset; never escapes this module. */
class LeaveSubset {}
const LEAVE = new LeaveSubset();

const SPACE = 32;
const LF = 10;
const CR = 13;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const SQUOTE = 39;
const DQUOTE = 34;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const COMMA = 44;

/** Characters that cannot start a plain scalar here (indicators, or constructs the subset leaves to `yaml`). */
const NOT_PLAIN_START = new Set([...',[]{}#&*!|>\'"%@`?:-'].map((c) => c.charCodeAt(0)));

/** Keys longer than this are left to `yaml` (it refuses implicit keys over 1024 characters). */
const MAX_KEY_LENGTH = 1000;

/** `maxDepth`: deeper nesting leaves the file to the `yaml` path (which reports it without parsing). */
export function fastParse(text: string, maxDepth: number): FastParse | undefined {
  try {
    return new Parser(text, maxDepth).document();
  } catch (error) {
    if (error === LEAVE) return undefined;
    throw error;
  }
}

class Parser {
  private pos = 0;
  /**
   * Where the last value ended when it was an empty (null) one: the line end, before a CR. `yaml` ends a
   * block collection there instead of after the line break, which shows when the collection is one line.
   */
  private emptyValueEnd = -1;
  /**
   * Each repeated key and its mapping, in the order found. The first occurrence is looked up once the tree is
   * complete (PositionTree.keyNamed indexes a mapping once), not by scanning the mapping at each repeat.
   */
  private readonly repeats: { repeat: number; map: number; name: string }[] = [];
  /** Node ranges; methods return a node's index in it. */
  private readonly tree: PositionTree;
  /**
   * The value of the node a method just returned. Methods return the position node and leave its value
   * here, so that no wrapper object is allocated per node (the large files this path exists for have
   * hundreds of thousands of nodes, and garbage collection was a third of the time).
   */
  private value: unknown;
  /** Set by plainEnd: whether `: ` follows the scalar. */
  private plainColon = false;
  /** Set by flowEntry: whether the entry was a plain scalar (whose key value must resolve to a string). */
  private entryWasPlain = false;

  /** Open collections: bounded, so recursion is too. */
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {
    // About one node per 8 characters in a typical file: start near there to avoid most regrowth.
    this.tree = new PositionTree(text, Math.max(64, text.length >> 3));
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) throw LEAVE;
  }

  document(): FastParse {
    const text = this.text;
    // Characters `yaml` treats specially or refuses anywhere in the text: leave those files to it.
    if (/[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u0085\u2028\u2029\ufffe\uffff]|\r(?!\n)|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) throw LEAVE;
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (text.indexOf('\ufeff', 1) !== -1) throw LEAVE;
    const indent = this.nextContentLine();
    if (indent < 0) throw LEAVE; // an empty document: rare, and cheap for `yaml`
    const first = text.charCodeAt(this.pos);
    if (first === DASH && this.startsWith('---')) throw LEAVE;
    if (first === 0x2e /* . */ && this.startsWith('...')) throw LEAVE;
    // `yaml` reads a BOM followed by a top-level `- ` or by indentation differently (an error); leave those to it.
    if (text.charCodeAt(0) === 0xfeff && (first === DASH || indent > 0)) throw LEAVE;
    let node: number;
    if (first === LBRACE || first === LBRACKET) {
      node = this.flowCollection(); // a whole file in one `{...}` line
      this.endOfValueLine();
    } else {
      node = this.blockCollection(indent);
    }
    const value = this.value;
    if (this.nextContentLine() >= 0) throw LEAVE; // content left over at a smaller indent: an error
    this.tree.root = node;
    const duplicates = this.repeats.map(({ repeat, map, name }) => ({ repeat, first: this.tree.keyNamed(map, name), name }));
    return { value, tree: this.tree, duplicates };
  }

  private startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  /**
   * Skip blank and comment-only lines from the current position (which must be at a line start or just
   * after a parsed value's line end). Leaves `pos` at the first non-space character of the next content
   * line and returns its indent, or -1 at the end of the text.
   */
  private nextContentLine(): number {
    const text = this.text;
    const length = text.length;
    let at = this.pos;
    for (;;) {
      const lineStart = at;
      while (at < length && text.charCodeAt(at) === SPACE) at++;
      if (at >= length) {
        this.pos = length;
        return -1;
      }
      const c = text.charCodeAt(at);
      if (c === LF || c === CR || c === HASH) {
        const nl = text.indexOf('\n', at);
        if (nl === -1) {
          this.pos = length;
          return -1;
        }
        at = nl + 1;
        continue;
      }
      this.pos = at;
      return at - lineStart;
    }
  }

  /** A block mapping or sequence whose first line is at `pos` with the given indent. */
  private blockCollection(indent: number): number {
    if (this.isDash(this.pos)) return this.blockSequence(indent);
    return this.blockMapping(indent);
  }

  private isDash(at: number): boolean {
    if (this.text.charCodeAt(at) !== DASH) return false;
    const next = this.text.charCodeAt(at + 1);
    return next === SPACE || next === LF || next === CR || Number.isNaN(next);
  }

  /**
   * A block mapping at `indent`; `pos` is at its first key. `compact` is set for a mapping that starts on a
   * sequence item's line (`- key: value`), whose first key is not at a line start.
   */
  private blockMapping(indent: number): number {
    this.enter();
    const text = this.text;
    const tree = this.tree;
    const value: Record<string, unknown> = {};
    const node = tree.add('map', false, this.pos, this.pos);
    let last = NO_NODE;
    for (;;) {
      if (this.isDash(this.pos)) throw LEAVE; // a sequence item where a key belongs
      const key = this.blockKey();
      const name = this.value as string;
      const keyEnd = tree.end(key);
      // ':' then a space or the line end
      this.pos = keyEnd + 1;
      let child: number;
      const afterColon = this.skipSpaces();
      const c = text.charCodeAt(afterColon);
      if (Number.isNaN(c) || c === LF || c === CR || (c === HASH && afterColon > keyEnd + 1)) {
        // Nothing on the key's line: a nested block, or an empty (null) value.
        const emptyAt = afterColon;
        this.skipToLineEnd();
        const savedPos = this.pos;
        const nextIndent = this.nextContentLine();
        if (nextIndent > indent) {
          child = this.blockCollection(nextIndent);
        } else if (nextIndent === indent && this.isDash(this.pos)) {
          child = this.blockSequence(indent);
        } else {
          this.pos = savedPos;
          child = tree.add('scalar', false, emptyAt, emptyAt);
          this.value = null;
          const nl = text.indexOf('\n', emptyAt);
          // (after a comment, `yaml` ends the collection after the line break, as for other values)
          this.emptyValueEnd = c === HASH ? -1 : nl === -1 ? text.length : text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
        }
      } else {
        this.pos = afterColon;
        this.emptyValueEnd = -1;
        child = this.inlineValue();
        this.endOfValueLine();
      }
      if (Object.hasOwn(value, name)) this.repeats.push({ repeat: key, map: node, name });
      tree.append(node, last, key);
      tree.append(node, key, child);
      last = child;
      value[name] = this.value;
      // The next line: another key of this mapping, or the end of it.
      const saved = this.pos;
      const nextIndent = this.nextContentLine();
      if (nextIndent === indent) continue;
      if (nextIndent > indent) throw LEAVE; // a continuation line (multi-line scalar) or an indentation error
      return this.closeBlock(node, value, saved);
    }
  }

  /**
   * End a block collection whose last line ends at `saved` (the next content line belongs to an outer one):
   * set its range end and its value, and leave it. After an empty (null) last value `yaml` ends the collection
   * at that line's end, otherwise after its line break.
   */
  private closeBlock(node: number, value: unknown, saved: number): number {
    this.pos = saved;
    this.tree.setEnd(node, this.emptyValueEnd >= 0 ? this.emptyValueEnd : Math.max(saved, this.tree.start(node) + 1));
    this.value = value;
    this.depth--;
    return node;
  }

  /** A block sequence at `indent`; `pos` is at its first `-`. */
  private blockSequence(indent: number): number {
    this.enter();
    const text = this.text;
    const tree = this.tree;
    const value: unknown[] = [];
    const node = tree.add('seq', false, this.pos, this.pos);
    let last = NO_NODE;
    for (;;) {
      if (!this.isDash(this.pos)) throw LEAVE;
      this.pos += 1;
      const itemAt = this.skipSpaces();
      const c = text.charCodeAt(itemAt);
      if (Number.isNaN(c) || c === LF || c === CR || c === HASH || itemAt === this.pos) throw LEAVE; // nested block under `-`
      this.pos = itemAt;
      let item: number;
      if (this.isDash(itemAt)) {
        // `- - x`: a sequence in a sequence item, at the inner dash's column
        item = this.blockSequence(itemAt - this.lineStartOf(itemAt));
      } else if (this.keyAhead()) {
        const column = itemAt - this.lineStartOf(itemAt);
        item = this.compactMapping(column);
      } else {
        this.emptyValueEnd = -1;
        item = this.inlineValue();
        this.endOfValueLine();
        const saved = this.pos;
        const nextIndent = this.nextContentLine();
        if (nextIndent > indent) throw LEAVE;
        this.pos = saved;
      }
      tree.append(node, last, item);
      last = item;
      value.push(this.value);
      const saved = this.pos;
      const nextIndent = this.nextContentLine();
      if (nextIndent === indent && this.isDash(this.pos)) continue;
      if (nextIndent > indent) throw LEAVE;
      return this.closeBlock(node, value, saved);
    }
  }

  /** `- key: value` and the keys under it at the same column. */
  private compactMapping(column: number): number {
    return this.blockMapping(column);
  }

  private lineStartOf(at: number): number {
    return this.text.lastIndexOf('\n', at - 1) + 1;
  }

  /** Whether the text at `pos` is a key followed by `:` on this line (a compact mapping in a sequence item). */
  private keyAhead(): boolean {
    const text = this.text;
    const c = text.charCodeAt(this.pos);
    if (c === LBRACE || c === LBRACKET) return false;
    const saved = this.pos;
    try {
      if (c === SQUOTE || c === DQUOTE) {
        this.quoted();
        return text.charCodeAt(this.pos) === COLON && this.isSpaceOrEnd(this.pos + 1);
      }
      this.plainEnd(this.pos, false);
      return this.plainColon;
    } finally {
      this.pos = saved;
    }
  }

  private isSpaceOrEnd(at: number): boolean {
    const c = this.text.charCodeAt(at);
    return Number.isNaN(c) || c === SPACE || c === LF || c === CR;
  }

  /** A mapping key at `pos` (plain or quoted, on one line, followed by `:`). Leaves `pos` after the key. */
  private blockKey(): number {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    let name: string;
    let end: number;
    let quoted = false;
    if (c === SQUOTE || c === DQUOTE) {
      name = this.quoted();
      end = this.pos;
      quoted = true;
    } else {
      end = this.plainEnd(start, false);
      if (!this.plainColon) throw LEAVE;
      const raw = text.slice(start, end);
      if (typeof resolvePlain(raw) !== 'string') throw LEAVE; // keys that resolve to numbers, booleans, null
      name = raw;
    }
    if (text.charCodeAt(end) !== COLON || !this.isSpaceOrEnd(end + 1)) throw LEAVE;
    if (end - start > MAX_KEY_LENGTH || name === '__proto__') throw LEAVE;
    this.value = name;
    const key = this.tree.add('scalar', false, start, end);
    if (quoted) this.tree.setName(key, name);
    return key;
  }

  /**
   * Where a block plain scalar starting at `start` ends (trailing spaces excluded), and whether a `: `
   * follows it. In a value (`inValue`), a `: ` inside the line is a nested mapping — an error in YAML.
   */
  private plainEnd(start: number, inValue: boolean): number {
    const text = this.text;
    if (!this.canStartPlain(start, false)) throw LEAVE;
    let at = start;
    let end = start;
    const length = text.length;
    for (;;) {
      const c = text.charCodeAt(at);
      if (at >= length || c === LF || c === CR || (c === HASH && text.charCodeAt(at - 1) === SPACE)) {
        this.plainColon = false;
        return end;
      }
      if (c === COLON && this.isSpaceOrEnd(at + 1)) {
        if (inValue) throw LEAVE;
        this.plainColon = true;
        return end;
      }
      at++;
      if (c !== SPACE) end = at;
    }
  }

  /** Whether a plain scalar may start at `at`: not an indicator, except `-`, `?`, `:` before a "safe" character. */
  private canStartPlain(at: number, inFlow: boolean): boolean {
    const c = this.text.charCodeAt(at);
    if (Number.isNaN(c)) return false;
    if (!NOT_PLAIN_START.has(c)) return true;
    if (c !== DASH && c !== 63 /* ? */ && c !== COLON) return false;
    const next = this.text.charCodeAt(at + 1);
    if (Number.isNaN(next) || next === SPACE || next === LF || next === CR) return false;
    return !(inFlow && (next === COMMA || next === LBRACE || next === RBRACE || next === LBRACKET || next === RBRACKET));
  }

  /** After a value: spaces, maybe a comment, then the line end. Leaves `pos` at the next line's start. */
  private endOfValueLine(): void {
    const text = this.text;
    const at = this.skipSpaces();
    const c = text.charCodeAt(at);
    if (Number.isNaN(c) || c === LF || c === CR || (c === HASH && at > this.pos)) {
      this.skipToLineEnd();
      return;
    }
    throw LEAVE;
  }

  /** Position of the first non-space character from `pos` (does not move). */
  private skipSpaces(): number {
    let at = this.pos;
    while (this.text.charCodeAt(at) === SPACE) at++;
    return at;
  }

  private skipToLineEnd(): void {
    const nl = this.text.indexOf('\n', this.pos);
    this.pos = nl === -1 ? this.text.length : nl + 1;
  }

  /** A value on the current line: a flow collection, a quoted scalar or a plain scalar. */
  private inlineValue(): number {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    if (c === LBRACE || c === LBRACKET) return this.flowCollection();
    if (c === SQUOTE || c === DQUOTE) {
      this.value = this.quoted();
      return this.tree.add('scalar', false, start, this.pos);
    }
    const end = this.plainEnd(start, true);
    this.pos = end;
    this.value = resolvePlain(text.slice(start, end));
    return this.tree.add('scalar', false, start, end);
  }

  /** A quoted scalar on one line; leaves `pos` after the closing quote. */
  private quoted(): string {
    const text = this.text;
    const quote = text.charCodeAt(this.pos);
    let at = this.pos + 1;
    let out = '';
    let from = at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (Number.isNaN(c) || c === LF || c === CR) throw LEAVE; // multi-line or unterminated
      if (quote === SQUOTE) {
        if (c === SQUOTE) {
          if (text.charCodeAt(at + 1) === SQUOTE) {
            out += text.slice(from, at + 1);
            at += 2;
            from = at;
            continue;
          }
          break;
        }
      } else if (c === DQUOTE) {
        break;
      } else if (c === 92 /* \ */) {
        out += text.slice(from, at);
        const [decoded, length] = unescape(text, at + 1);
        out += decoded;
        at += 1 + length;
        from = at;
        continue;
      }
      at++;
    }
    out += text.slice(from, at);
    this.pos = at + 1;
    return out;
  }

  /** A flow collection on one line; `pos` at its bracket. Leaves `pos` after the closing bracket. */
  private flowCollection(): number {
    this.enter();
    const text = this.text;
    const tree = this.tree;
    const start = this.pos;
    const isMap = text.charCodeAt(start) === LBRACE;
    const close = isMap ? RBRACE : RBRACKET;
    this.pos++;
    const node = tree.add(isMap ? 'map' : 'seq', true, start, start);
    let last = NO_NODE;
    const list: unknown[] = [];
    const map: Record<string, unknown> = {};
    for (;;) {
      this.pos = this.skipSpaces();
      let c = text.charCodeAt(this.pos);
      if (c === close) break;
      if (c === COMMA) throw LEAVE; // an empty entry
      const entry = this.flowEntry();
      const entryValue = this.value;
      const entryPlain = this.entryWasPlain;
      this.pos = this.skipSpaces();
      c = text.charCodeAt(this.pos);
      if (isMap) {
        if (tree.kind(entry) !== 'scalar' || typeof entryValue !== 'string') throw LEAVE;
        const name = entryValue;
        if (name === '__proto__' || tree.end(entry) - tree.start(entry) > MAX_KEY_LENGTH) throw LEAVE;
        if (entryPlain && typeof resolvePlain(name) !== 'string') throw LEAVE;
        if (!entryPlain) tree.setName(entry, name);
        let child: number;
        let childValue: unknown = null;
        if (c === COLON) {
          if (text.charCodeAt(this.pos + 1) !== SPACE) throw LEAVE;
          this.pos++;
          this.pos = this.skipSpaces();
          const v = text.charCodeAt(this.pos);
          if (v === COMMA || v === close) child = tree.add('scalar', false, this.pos, this.pos);
          else {
            child = this.flowEntry();
            childValue = this.value;
            this.pos = this.skipSpaces();
          }
          c = text.charCodeAt(this.pos);
        } else if (c !== COMMA && c !== close) {
          throw LEAVE;
        } else {
          child = tree.addMissingValue(this.pos);
        }
        if (Object.hasOwn(map, name)) this.repeats.push({ repeat: entry, map: node, name });
        tree.append(node, last, entry);
        tree.append(node, entry, child);
        last = child;
        map[name] = childValue;
      } else {
        if (c === COLON) throw LEAVE; // `[a: b]`, a single-pair mapping
        tree.append(node, last, entry);
        last = entry;
        list.push(entryValue);
      }
      if (c === COMMA) {
        this.pos++;
        continue;
      }
      if (c === close) break;
      throw LEAVE;
    }
    this.pos++;
    tree.setEnd(node, this.pos);
    this.value = isMap ? map : list;
    this.depth--;
    return node;
  }

  /** One entry of a flow collection; sets `entryWasPlain`. */
  private flowEntry(): number {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    if (c === LBRACE || c === LBRACKET) {
      const node = this.flowCollection();
      this.entryWasPlain = false;
      return node;
    }
    if (c === SQUOTE || c === DQUOTE) {
      this.value = this.quoted();
      this.entryWasPlain = false;
      return this.tree.add('scalar', false, start, this.pos);
    }
    if (!this.canStartPlain(start, true)) throw LEAVE;
    let at = start;
    let end = start;
    for (;;) {
      const d = text.charCodeAt(at);
      if (Number.isNaN(d) || d === LF || d === CR) throw LEAVE; // a flow collection over several lines
      if (d === COMMA || d === LBRACE || d === RBRACE || d === LBRACKET || d === RBRACKET) break;
      if (d === COLON) {
        const e = text.charCodeAt(at + 1);
        if (e === SPACE || e === COMMA || e === RBRACE || e === RBRACKET || e === LBRACE || e === LBRACKET) break;
      }
      if (d === HASH && text.charCodeAt(at - 1) === SPACE) throw LEAVE; // a comment inside a flow collection
      at++;
      if (d !== SPACE) end = at;
    }
    this.pos = end;
    this.value = resolvePlain(text.slice(start, end));
    this.entryWasPlain = true;
    return this.tree.add('scalar', false, start, end);
  }
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', e: '\x1b', a: '\x07', v: '\v', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029', ' ': ' ' };

/** One escape of a double-quoted scalar, from just after the backslash: the text and how many characters it took. */
function unescape(text: string, at: number): [string, number] {
  const c = text[at];
  if (c === undefined) throw LEAVE;
  const simple = ESCAPES[c];
  if (simple !== undefined) return [simple, 1];
  const digits = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (digits === 0) throw LEAVE;
  const hex = text.slice(at + 1, at + 1 + digits);
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) throw LEAVE;
  const code = parseInt(hex, 16);
  if (code > 0x10ffff) throw LEAVE;
  return [String.fromCodePoint(code), 1 + digits];
}

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain scalar's value under the YAML 1.2 core schema, tested in the order `yaml` tests its tags. */
export function resolvePlain(raw: string): unknown {
  const c = raw.charCodeAt(0);
  // Most plain scalars are words: only those starting like a number, a null, a boolean or `.` can be anything else.
  if (!(c <= 57 || c === 126 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70)) return raw;
  if (NULL.test(raw)) return null;
  if (BOOL.test(raw)) return raw[0] === 't' || raw[0] === 'T';
  if (INT_OCT.test(raw)) return parseInt(raw.substring(2), 8);
  if (INT.test(raw)) return parseInt(raw, 10);
  if (INT_HEX.test(raw)) return parseInt(raw.substring(2), 16);
  if (FLOAT_NAN.test(raw)) return raw.slice(-3).toLowerCase() === 'nan' ? NaN : raw[0] === '-' ? -Infinity : Infinity;
  if (FLOAT_EXP.test(raw)) return parseFloat(raw);
  if (FLOAT.test(raw)) return parseFloat(raw);
  return raw;
}
