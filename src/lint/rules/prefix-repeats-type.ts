import type { Rule } from '../rule.js';
import { prefixProblem, warehouseTableName } from '../../sources/naming.js';

/**
 * The prefix names the source type again. PostHog builds every warehouse table name as
 * lower(prefix + source_type + "_" + table) (API.md §6), so the type is already in it: prefix `stripe_` on
 * Stripe gives stripe_stripe_charge. A word of the prefix (split on "_") equal to the type counts.
 */
export function prefixWithoutType(prefix: string, sourceType: string): string | undefined {
  const type = sourceType.toLowerCase();
  const words = prefix.split('_');
  if (!words.some((w) => w.toLowerCase() === type)) return undefined;
  const kept = words.filter((w) => w !== '' && w.toLowerCase() !== type);
  return kept.length > 0 ? `${kept.join('_')}_` : '';
}

export const prefixRepeatsType: Rule = {
  id: 'prefix-repeats-type',
  codes: ['prefix-repeats-type'],
  check(context) {
    for (const source of context.sources) {
      const { prefix, type } = source.value;
      if (typeof prefix !== 'string' || typeof type !== 'string' || prefixProblem(prefix)) continue;
      const typeName = source.info?.name ?? type;
      const better = prefixWithoutType(prefix, typeName);
      if (better === undefined) continue;
      const example = (p: string) => warehouseTableName(p, typeName, '<table>');
      const instead = better === '' ? `an empty prefix ("") gives ${example('')} (one source of a type can have it)` : `"${better}" gives ${example(better)}`;
      context.report(
        'prefix-repeats-type',
        `Prefix "${prefix}" repeats the source type: PostHog already puts "${typeName.toLowerCase()}" in every table name, so tables will be named like ${example(prefix)}. Name what the source holds instead; ${instead}.`,
        ['sources', source.name, 'prefix'],
      );
    }
  },
};
