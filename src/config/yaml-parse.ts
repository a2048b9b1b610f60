import { isAlias, isMap, isScalar, isSeq, parseDocument, type Node, type YAMLError } from 'yaml';
import { MAX_ALIAS_EXPANSIONS } from './parse.js';
import { NO_NODE, PositionTree } from './positions.js';

/**
 * The reference parse path: the `yaml` package (YAML 1.2, strict). It handles every file — anchors, tags,
 * block scalars, multi-line flow collections, syntax errors with recovery — and is used whenever the fast
 * path (fast-parse.ts) leaves the file to it. Its Document is reduced to the same position tree.
 */
export interface YamlParse {
  /** The plain value; `undefined` when the file has syntax errors (they make it untrustworthy). */
  value: unknown;
  tree: PositionTree;
  /** Problems in `yaml`'s terms, for parse.ts to put into dwctl's words. */
  problems: YamlProblem[];
}

export interface YamlProblem {
  code: string;
  message: string;
  from: number;
  to: number;
}

export function parseWithYaml(text: string): YamlParse {
  // logLevel 'error': yaml would otherwise call process.emitWarning (e.g. for collection keys), which is output we do not own.
  const document = parseDocument(text, { uniqueKeys: false, prettyErrors: false, strict: true, logLevel: 'error' });
  const problems: YamlProblem[] = [...document.errors, ...document.warnings].map((e: YAMLError) => ({
    code: e.code,
    message: e.message,
    from: e.pos[0],
    to: e.pos[1],
  }));
  const tree = new PositionTree(text);
  if (document.contents) tree.root = toPositions(tree, document.contents as Node, problems);
  let value: unknown;
  if (problems.length === 0) {
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
    } catch (error) {
      // toJS refuses alias bombs and the like: report, do not crash.
      problems.push({ code: 'TO_JS', message: (error as Error).message, from: 0, to: 1 });
    }
  }
  return { value, tree, problems };
}

/** A `yaml` node into the position tree; unsupported tags are added to `problems` on the way. */
function toPositions(tree: PositionTree, node: Node, problems: YamlProblem[]): number {
  const range = node.range ?? [0, 0, 0];
  if (node.tag && !isAlias(node) && isUnsupportedTag(node.tag)) {
    problems.push({ code: 'TAG', message: node.tag, from: range[0], to: range[1] });
  }
  if (isMap(node)) {
    const map = tree.add('map', Boolean(node.flow), range[0], range[1]);
    let last = NO_NODE;
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      if (!key || !isScalar(key)) continue; // collection keys cannot name a path segment
      const keyNode = toPositions(tree, key, problems);
      tree.setName(keyNode, String(key.value));
      const valueNode = pair.value ? toPositions(tree, pair.value as Node, problems) : tree.addMissingValue(range[1]);
      tree.append(map, last, keyNode);
      tree.append(map, keyNode, valueNode);
      last = valueNode;
    }
    return map;
  }
  if (isSeq(node)) {
    const seq = tree.add('seq', Boolean(node.flow), range[0], range[1]);
    let last = NO_NODE;
    for (const item of node.items) {
      const itemNode = toPositions(tree, (item ?? { range }) as Node, problems);
      tree.append(seq, last, itemNode);
      last = itemNode;
    }
    return seq;
  }
  return tree.add('scalar', false, range[0], range[1]);
}

/** The core schema's own tags are fine (`!!str 5` is a way to write a string); anything else is not. */
function isUnsupportedTag(tag: string): boolean {
  return !/^tag:yaml\.org,2002:(?:str|int|float|bool|null|map|seq)$/.test(tag);
}
