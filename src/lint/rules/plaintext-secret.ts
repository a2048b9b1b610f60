import { singleReference, suggestedVariable } from '../../config/references.js';
import { isRecord, type Rule } from '../rule.js';

/**
 * Secrets must be references. The wizard says which fields are secret (secret/password inputs,
 * file uploads, SSH credentials); besides those, values that look like well-known credentials
 * (PostHog, Stripe keys, PEM keys) are refused wherever they appear in a source's config.
 */
const CREDENTIAL_LOOKALIKE = /^(phx_|phc_|sk_live_|sk_test_|rk_live_|rk_test_|whsec_)|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export const plaintextSecret: Rule = {
  id: 'plaintext-secret',
  codes: ['plaintext-secret'],
  check(context) {
    for (const source of context.sources) {
      const config = source.value.config;
      const checked = new Set<string>();
      const check = (value: unknown, path: string[], what: string, lookalike = false): void => {
        checked.add(path.join('\u0000'));
        if (value === undefined || value === null || value === '') return;
        if (typeof value === 'string' && singleReference(value)) return;
        const variable = suggestedVariable(source.name, path[path.length - 1]!);
        context.report(
          'plaintext-secret',
          `${what} ${lookalike ? 'holds what looks like a credential' : 'is a secret but holds a literal value'}; write a reference such as \${${variable}} and set that variable where dwctl runs.`,
          path,
        );
      };
      if (source.info && isRecord(config)) {
        for (const secretPath of source.info.secretPaths) {
          const value = valueAt(config, secretPath);
          check(value, ['sources', source.name, 'config', ...secretPath], `config.${secretPath.join('.')}`);
        }
      }
      const webhook = source.value.webhook;
      if (source.info && isRecord(webhook)) {
        for (const field of source.info.webhookFields) {
          if ('secret' in field && field.secret) check(webhook[field.name], ['sources', source.name, 'webhook', field.name], `webhook.${field.name}`);
        }
      }
      // Literals that are unmistakably credentials, in any other field.
      const scan = (value: unknown, path: string[]): void => {
        if (checked.has(path.join('\u0000'))) return;
        if (typeof value === 'string') {
          if (CREDENTIAL_LOOKALIKE.test(value)) check(value, path, path.slice(2).join('.'), true);
        } else if (isRecord(value)) {
          for (const [key, child] of Object.entries(value)) scan(child, [...path, key]);
        }
      };
      scan(config, ['sources', source.name, 'config']);
    }
  },
};

function valueAt(root: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (!isRecord(node)) return undefined;
    node = node[segment];
  }
  return node;
}
