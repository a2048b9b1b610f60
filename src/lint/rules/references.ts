import { isReservedVariable, parseReferences, pathProblem } from '../../config/references.js';
import { looksSecret } from '../../secrets.js';
import { isRecord, type Rule } from '../rule.js';

/**
 * Every `${...}` in the file must be a well-formed reference (they are resolved later, by plan/apply), and an
 * allowed one (docs/configuration.md#references): never dwctl's own settings, never a secret-looking variable
 * in a field whose value plans print, never an absolute `${file:}` path. What needs the file system (a path
 * that leaves the repository, a FIFO, a size) is checked when plan resolves the reference.
 */
export const references: Rule = {
  id: 'references',
  codes: ['invalid-reference', 'reserved-reference', 'secret-in-plain-field', 'file-reference-refused'],
  check(context) {
    const secretPaths = new Set<string>();
    for (const source of context.sources) {
      if (!source.info) continue;
      for (const p of source.info.secretPaths) secretPaths.add(['sources', source.name, 'config', ...p].join('\u0000'));
      for (const field of source.info.webhookFields) if ('secret' in field && field.secret) secretPaths.add(['sources', source.name, 'webhook', field.name].join('\u0000'));
      for (const field of source.info.config.fields) if (field.type === 'file-upload') secretPaths.add(['sources', source.name, 'config', field.name].join('\u0000'));
    }
    // Only where the wizard says what is secret: a known type's config, and the webhook fields it declares.
    const knownType = (path: (string | number)[]): boolean => {
      const info = path[0] === 'sources' ? context.sources.find((s) => s.name === path[1])?.info : undefined;
      if (!info) return false;
      return path[2] === 'config' || (path[2] === 'webhook' && info.webhookFields.some((f) => f.name === path[3]));
    };
    // One path stack, copied only when a reference is reported: the walk touches every node of the file.
    const path: (string | number)[] = [];
    const visit = (value: unknown): void => {
      if (typeof value === 'string') {
        if (!value.includes('${')) return;
        const parsed = parseReferences(value);
        for (const error of parsed.errors) context.report('invalid-reference', `Malformed reference: ${error}.`, [...path]);
        for (const segment of parsed.segments) {
          if (!('reference' in segment)) continue;
          const { reference } = segment;
          if (reference.kind === 'file') {
            const problem = pathProblem(reference.path);
            if (problem) context.report('file-reference-refused', `${reference.raw}: ${problem}. A \${file:} reference reads only files inside the repository.`, [...path]);
          } else if (isReservedVariable(reference.name)) {
            context.report(
              'reserved-reference',
              `${reference.raw} names one of dwctl's own settings (POSTHOG_*, DWCTL_*), which the file cannot reference: dwctl's API key must never become a source's credential. Use a variable of your own.`,
              [...path],
            );
          } else if (knownType(path) && !secretPaths.has(path.join('\u0000')) && looksSecret(reference.name)) {
            context.report(
              'secret-in-plain-field',
              `${reference.raw}: the name says it holds a secret, but this field is not secret and plans print its value. Reference secrets only from secret fields, or rename the variable if it holds no secret.`,
              [...path],
            );
          }
        }
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
