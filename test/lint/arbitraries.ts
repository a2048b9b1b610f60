import fc from 'fast-check';

/** Generators of YAML-ish text and warehouse-shaped values, shared by the fuzz and parse-equivalence tests. */
export const yamlish = fc.constantFrom(
  ':', ': ', '-', '- ', ' ', '  ', '\n', '\t', '#', '{', '}', '[', ']', ',', '"', "'", '|', '>', '&a', '*a', '!!str ', '!tag',
  '${', '}', '$${', '${X}', '${file:a}', 'version', 'sources', 'tables', 'sync', 'type', 'Postgres', 'Stripe', 'prefix',
  'config', 'webhook', 'cdc', '---', '...', '? ', '%YAML 1.2\n', '\r\n', '\u00e9', '\u{1F600}', '\uFEFF', '0x1F', '1e3', 'null', '~', 'true',
);
export const yamlText = fc.array(fc.oneof(yamlish, fc.string({ maxLength: 8 })), { maxLength: 60 }).map((parts) => parts.join(''));

export type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'indent'; at: number; by: number }
  | { kind: 'insert'; at: number; column: number; text: string }
  | { kind: 'scalar'; at: number; value: unknown };

export const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('${X}', '${}', '${file:}', 'sk_live_abc', '-----BEGIN RSA PRIVATE KEY-----', 'webhook', 'cdc', 'xmin', 'full_refresh', '[1, 2]', '{a: 1}', '25:99:00'),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), column: fc.nat(), text: fc.oneof(yamlish, fc.string({ maxLength: 4 })) }),
  fc.record({ kind: fc.constant('scalar' as const), at: fc.nat(), value: scalar }),
);

export function mutate(text: string, mutations: readonly Mutation[]): string {
  const lines = text.split('\n');
  for (const m of mutations) {
    if (lines.length === 0) lines.push('');
    const i = m.at % lines.length;
    const line = lines[i]!;
    switch (m.kind) {
      case 'delete':
        lines.splice(i, 1);
        break;
      case 'duplicate':
        lines.splice(i, 0, line);
        break;
      case 'swap': {
        const j = m.with % lines.length;
        lines[i] = lines[j]!;
        lines[j] = line;
        break;
      }
      case 'indent':
        lines[i] = m.by >= 0 ? ' '.repeat(m.by) + line : line.replace(new RegExp(`^ {0,${-m.by}}`), '');
        break;
      case 'insert': {
        const c = m.column % (line.length + 1);
        lines[i] = line.slice(0, c) + m.text + line.slice(c);
        break;
      }
      case 'scalar': {
        const colon = line.indexOf(': ');
        if (colon >= 0) lines[i] = `${line.slice(0, colon + 2)}${JSON.stringify(m.value) ?? 'null'}`;
        break;
      }
    }
  }
  return lines.join('\n');
}

/** Random JS values shaped roughly like a warehouse file, so deeper rules get exercised. */
export const jsValue = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('any'), { maxLength: 3 }), fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('type', 'prefix', 'config', 'tables', 'sync', 'webhook', 'cdc', 'enabled')), tie('any'), { maxKeys: 4 })),
})).any;
export const table = fc.record(
  { sync: fc.oneof(fc.constantFrom('full_refresh', 'incremental', 'append', 'cdc', 'webhook', 'xmin'), scalar), incremental_field: fc.oneof(fc.string(), scalar), sync_time_of_day: scalar },
  { requiredKeys: [] },
);
export const source = fc.record(
  {
    type: fc.oneof(fc.constantFrom('Postgres', 'Stripe', 'MySQL', 'BigQuery', 'Snowflake', 'Hubspot', 'Salesforce', 'postgres', 'Nope'), scalar),
    prefix: fc.oneof(fc.constantFrom('shop_', 'shop', '___', '9x', 'a-b', ''), scalar),
    config: fc.oneof(jsValue, fc.dictionary(fc.constantFrom('host', 'port', 'password', 'auth_method', 'ssh_tunnel', 'key_file', 'selection'), jsValue)),
    tables: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(table, jsValue), { maxKeys: 3 }),
    webhook: jsValue,
    cdc: fc.oneof(fc.record({ management: fc.constantFrom('posthog', 'self_managed', 'x') }, { requiredKeys: [] }), jsValue),
  },
  { requiredKeys: [] },
);
export const warehouse = fc.record(
  { version: fc.oneof(fc.constant(1), scalar), defaults: jsValue, sources: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('shop_db', 'billing', 'Bad-Name'), fc.string({ maxLength: 6 })), source, { maxKeys: 3 }), jsValue) },
  { requiredKeys: [] },
);

