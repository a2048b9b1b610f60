import type { Rule } from '../rule.js';

/** PostHog refuses a second source of one type with the same prefix (case-sensitive, blank included). */
export const duplicateSource: Rule = {
  id: 'duplicate-source',
  codes: ['duplicate-source'],
  check(context) {
    const first = new Map<string, string>();
    for (const source of context.sources) {
      const { type, prefix } = source.value;
      if (typeof type !== 'string') continue;
      const normalised = typeof prefix === 'string' ? prefix : '';
      const key = `${type}\u0000${normalised}`;
      const earlier = first.get(key);
      if (earlier === undefined) {
        first.set(key, source.name);
        continue;
      }
      const hasPrefix = typeof prefix === 'string';
      context.report(
        'duplicate-source',
        `Sources "${earlier}" and "${source.name}" are both ${type} with ${normalised ? `prefix "${normalised}"` : 'no prefix'}: PostHog identifies a source by type and prefix, so give each a different prefix.`,
        hasPrefix ? ['sources', source.name, 'prefix'] : ['sources', source.name],
        hasPrefix ? 'value' : 'key',
      );
    }
  },
};
