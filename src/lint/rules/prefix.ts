import { prefixProblem, warehouseTableName } from '../../sources/naming.js';
import type { Rule } from '../rule.js';

export const prefix: Rule = {
  id: 'prefix',
  codes: ['invalid-prefix', 'prefix-without-separator'],
  check(context) {
    for (const source of context.sources) {
      const value = source.value.prefix;
      if (typeof value !== 'string') continue;
      const path = ['sources', source.name, 'prefix'];
      const problem = prefixProblem(value);
      if (problem) {
        context.report('invalid-prefix', `${problem} (PostHog refuses "${value}").`, path);
        continue;
      }
      if (value !== '' && !value.endsWith('_') && typeof source.value.type === 'string') {
        const example = warehouseTableName(value, source.value.type, 'orders');
        context.report(
          'prefix-without-separator',
          `Prefix "${value}" does not end in "_": PostHog glues prefix and type together, so tables will be named like ${example}. Use "${value}_" for ${warehouseTableName(`${value}_`, source.value.type, 'orders')}.`,
          path,
        );
      }
    }
  },
};
