import { parseIgnorePattern } from '../../config/unmanaged.js';
import { didYouMean } from '../suggest.js';
import { isRecord, type Rule } from '../rule.js';
import { prefixProblem } from '../../sources/naming.js';

/**
 * The two keys of a source's lifecycle: `unmanaged.ignore` patterns (sources other teams own) and
 * `moved_from` (a prefix move). The schema checks their shapes; these rules check what a schema cannot:
 * pattern syntax and types, and moves that would be no-ops, ambiguous, or would delete a declared source.
 */
export const sourceLifecycle: Rule = {
  id: 'source-lifecycle',
  codes: ['invalid-ignore-pattern', 'unknown-source-type', 'invalid-prefix', 'moved-from-unchanged', 'duplicate-moved-from', 'moved-from-declared'],
  check(context) {
    const root = isRecord(context.parsed.value) ? context.parsed.value : {};
    const ignore = isRecord(root.unmanaged) && Array.isArray(root.unmanaged.ignore) ? root.unmanaged.ignore : [];
    ignore.forEach((entry, index) => {
      if (typeof entry !== 'string') return; // the schema reports it
      const path = ['unmanaged', 'ignore', index];
      const parsed = parseIgnorePattern(entry);
      if (!parsed.ok) {
        context.report('invalid-ignore-pattern', `Ignore pattern ${parsed.problem}.`, path);
        return;
      }
      const type = parsed.pattern.type;
      if (type !== null && !context.catalog.has(type)) {
        context.report('unknown-source-type', `Ignore pattern "${entry}" names "${type}", which is not a source type.${didYouMean(type, context.catalog.keys())}`, path);
      }
    });

    // Identity is type + prefix: a move only concerns sources of the same type.
    const declared = new Map<string, string>();
    for (const source of context.sources) {
      if (typeof source.value.type === 'string') declared.set(`${source.value.type}\u0000${typeof source.value.prefix === 'string' ? source.value.prefix : ''}`, source.name);
    }
    const movedFrom = new Map<string, string>();
    for (const source of context.sources) {
      const { type, prefix, moved_from: old } = source.value;
      if (typeof old !== 'string' || typeof type !== 'string') continue;
      const path = ['sources', source.name, 'moved_from'];
      const problem = prefixProblem(old);
      if (problem) {
        context.report('invalid-prefix', `moved_from: ${problem} (PostHog could not have created a source with prefix "${old}").`, path);
        continue;
      }
      if (old === (typeof prefix === 'string' ? prefix : '')) {
        context.report('moved-from-unchanged', `moved_from is the source's own prefix "${old}": nothing moves. Remove moved_from, or set it to the prefix the source had before.`, path);
        continue;
      }
      const key = `${type}\u0000${old}`;
      const earlier = movedFrom.get(key);
      if (earlier !== undefined) {
        context.report('duplicate-moved-from', `Sources "${earlier}" and "${source.name}" are both moved from the ${type} source with prefix "${old}": one source can only move to one new prefix.`, path);
        continue;
      }
      movedFrom.set(key, source.name);
      const owner = declared.get(key);
      if (owner !== undefined) {
        context.report('moved-from-declared', `moved_from "${old}" is the prefix of "${owner}", which this file still declares: the move would delete that source. Remove moved_from, or remove "${owner}" if it is the old one.`, path);
      }
    }
  },
};
