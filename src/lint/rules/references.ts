import { parseReferences } from '../../config/references.js';
import { isRecord, type Rule } from '../rule.js';

/** Every `${...}` in the file must be a well-formed reference (they are resolved later, by plan/apply). */
export const references: Rule = {
  id: 'references',
  codes: ['invalid-reference'],
  check(context) {
    // One path stack, copied only when a reference is reported: the walk touches every node of the file.
    const path: (string | number)[] = [];
    const visit = (value: unknown): void => {
      if (typeof value === 'string') {
        if (!value.includes('${')) return;
        for (const error of parseReferences(value).errors) context.report('invalid-reference', `Malformed reference: ${error}.`, [...path]);
      } else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          path.push(i);
          visit(value[i]);
          path.pop();
        }
      } else if (isRecord(value)) {
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue;
          path.push(key);
          visit(value[key]);
          path.pop();
        }
      }
    };
    visit(context.parsed.value);
  },
};
