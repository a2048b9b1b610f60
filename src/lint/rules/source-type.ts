import { isRecord, type Rule } from '../rule.js';
import type { SourceTypeInfo } from '../../wizard/catalog.js';

/** Stripe's auth_method: {selection: oauth} chooses OAuth even before the integration id is filled in. */
function oauthOptionSelected(info: SourceTypeInfo, config: unknown, oauthPath: string): boolean {
  const [selectName, fieldName] = oauthPath.split('.');
  const select = (info.config.fields ?? []).find((f) => f.name === selectName);
  if (!select || select.type !== 'select') return false;
  const option = select.options.find((o) => (o.fields ?? []).some((f) => f.name === fieldName));
  return option !== undefined && valueAt(config, [selectName!, 'selection']) === option.value;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const segment of path) {
    if (!isRecord(node)) return undefined;
    node = node[segment];
  }
  return node;
}

/** Types that need a person in PostHog's UI first, and types PostHog has not released. */
export const sourceTypeNotices: Rule = {
  id: 'source-type-notices',
  codes: ['oauth-source', 'unreleased-source'],
  check(context) {
    for (const source of context.sources) {
      const info = source.info;
      if (!info) continue;
      const path = ['sources', source.name, 'type'];
      // An OAuth field inside a select option (Stripe's auth_method) matters only when that option is
      // chosen, i.e. when the field is filled in; a top-level one (Hubspot) always does.
      const used = info.oauthFields.filter((f) => !f.includes('.') || valueAt(source.value.config, f.split('.')) !== undefined || oauthOptionSelected(info, source.value.config, f));
      if (used.length > 0) {
        const fields = used.map((f) => `config.${f}`).join(', ');
        context.report(
          'oauth-source',
          `${info.label} authenticates by OAuth: authorise the integration in PostHog (the source setup page) first, then put its id in ${fields}. This step cannot be done from the command line.`,
          path,
        );
      }
      if (info.unreleased) {
        context.report('unreleased-source', `PostHog marks ${info.label} as unreleased: it may change or be unavailable to your project.`, path);
      }
    }
  },
};
