import { parseReferences } from '../../config/references.js';
import { isRecord, type Rule } from '../rule.js';

/** Every `${...}` in the file must be a well-formed reference (they are resolved later, by plan/apply). */
export const references: Rule = {
  id: 'references',
  codes: ['invalid-reference'],
  check(context) {
    const visit = (value: unknown, path: (string | number)[]): void => {
      if (typeof value === 'string') {
        if (!value.includes('${')) return;
        for (const error of parseReferences(value).errors) context.report('invalid-reference', `Malformed reference: ${error}.`, path);
      } else if (Array.isArray(value)) {
        value.forEach((item, i) => visit(item, [...path, i]));
      } else if (isRecord(value)) {
        for (const [key, child] of Object.entries(value)) visit(child, [...path, key]);
      }
    };
    visit(context.parsed.value, []);
  },
};
