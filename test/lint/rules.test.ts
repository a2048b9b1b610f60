import { describe, expect, it, vi } from 'vitest';
import { cdcSourceTypes } from '../../src/sources/index.js';
import { lintText } from '../../src/lint/lint.js';
import { closest, didYouMean } from '../../src/lint/suggest.js';
import { compileValidator } from '../../src/schema/ajv.js';
import { generateSchema } from '../../src/schema/generate.js';
import { buildCatalog } from '../../src/wizard/catalog.js';
import { bundledWizard } from '../../src/wizard/bundled.js';
import type { WizardResponse } from '../../src/wizard/types.js';
import { lint, POSTGRES_SOURCE, where } from './lint-helpers.js';

const only = (text: string, code: string) => lint(text).filter((d) => d.code === code);

describe('positions (the issue: unknown keys point at the key, missing keys at the parent key)', () => {
  it('an unknown key points at the key itself, spanning it', () => {
    const text = POSTGRES_SOURCE.replace('        sync: full_refresh', '        sync: full_refresh\n        sync_frequncy: 1hour');
    const [d] = only(text, 'unknown-property');
    expect(d).toMatchObject({ line: 15, column: 9, end_line: 15, end_column: 9 + 'sync_frequncy'.length, path: '/sources/shop_db/tables/orders/sync_frequncy' });
  });

  it('a missing key points at the key of the mapping that lacks it', () => {
    const text = POSTGRES_SOURCE.replace('      password: ${SHOP_DB_PASSWORD}\n', '');
    const [d] = only(text, 'missing-property');
    // line 6 is "    config:"; the caret is under "config", not under the first child
    expect(d).toMatchObject({ line: 6, column: 5, end_line: 6, end_column: 11, path: '/sources/shop_db/config' });
  });

  it('a missing table sync points at the table name', () => {
    const text = POSTGRES_SOURCE.replace('        sync: full_refresh', '        sync_frequency: 1hour');
    expect(only(text, 'missing-property').map(where)).toEqual([{ code: 'missing-property', line: 13, column: 7 }]);
  });

  it('a bad value points at the value, not the key', () => {
    const text = POSTGRES_SOURCE.replace('sync: full_refresh', 'sync: sometimes');
    expect(only(text, 'invalid-value').map(where)).toEqual([{ code: 'invalid-value', line: 14, column: 15 }]);
  });

  it('a missing top-level key points at line 1, column 1 when there is no parent key', () => {
    expect(lint('sources: {}\n').map(where)).toEqual([{ code: 'missing-property', line: 1, column: 1 }]);
  });

  it('merges several missing keys of one mapping into one diagnostic naming them all', () => {
    const [d, ...rest] = lint('version: 1\nsources:\n  a:\n    type: Chargebee\n');
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'missing-property', line: 3, column: 3 });
    expect(d!.message).toContain('"prefix"');
    expect(d!.message).toContain('"config"');
  });

  it('a duplicate key is reported at the second occurrence and names the whole key', () => {
    const text = POSTGRES_SOURCE.replace('    prefix: shop_\n', '    prefix: shop_\n    prefix: other_\n');
    const [d] = only(text, 'duplicate-key');
    expect(d).toMatchObject({ line: 6, column: 5 });
    // The key is "prefix"; the span and the message should cover all of it, not its first character.
    expect(d!.message).toContain('"prefix"');
    expect(d!.end_column).toBe(5 + 'prefix'.length);
  });

  it('a yaml-syntax error skips the schema checks (no noise from a half-read file)', () => {
    const codes = lint('version: 1\nsources:\n  a: [\n').map((d) => d.code);
    expect(new Set(codes)).toEqual(new Set(['yaml-syntax']));
  });

  it('a duplicate key does not stop the other checks', () => {
    const text = POSTGRES_SOURCE.replace('    prefix: shop_\n', '    prefix: shop_\n    prefix: other_\n').replace('password: ${SHOP_DB_PASSWORD}', 'password: hunter2');
    expect(lint(text).map((d) => d.code).sort()).toEqual(['duplicate-key', 'plaintext-secret']);
  });
});

describe('purity of the lint run', () => {
  it('emits no process warnings (they would land on stderr), even for a YAML key that is a collection', () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const diagnostics = lint(POSTGRES_SOURCE.replace('      orders:\n        sync: full_refresh\n', '      ? [orders, users]\n      : { sync: full_refresh }\n'));
      expect(diagnostics.filter((d) => d.code === 'yaml-syntax')).toEqual([]);
      expect(emitWarning).not.toHaveBeenCalled();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      emitWarning.mockRestore();
      warn.mockRestore();
    }
  });
});

describe('did you mean', () => {
  const message = (text: string, code: string) => only(text, code).map((d) => d.message).join('\n');

  it('suggests the closest key for an unknown key', () => {
    expect(message(POSTGRES_SOURCE.replace('host:', 'hots:'), 'unknown-property')).toContain('Did you mean "host"?');
    expect(message(POSTGRES_SOURCE.replace('sync: full', 'snyc: full'), 'unknown-property')).toContain('Did you mean "sync"?');
    expect(message('version: 1\nsoruces: {}\nsources: {}\n', 'unknown-property')).toContain('Did you mean "sources"?');
  });

  it('suggests the source type as PostHog spells it', () => {
    expect(message(POSTGRES_SOURCE.replace('type: Postgres', 'type: postgres'), 'unknown-source-type')).toContain('Did you mean "Postgres"?');
    expect(message(POSTGRES_SOURCE.replace('type: Postgres', 'type: stirpe'), 'unknown-source-type')).toContain('Did you mean "Stripe"?');
    expect(message(POSTGRES_SOURCE.replace('type: Postgres', 'type: Postgress'), 'unknown-source-type')).toContain('Did you mean "Postgres"?');
  });

  it('suggests enum values', () => {
    expect(message(POSTGRES_SOURCE.replace('sync: full_refresh', 'sync: full_refrsh'), 'invalid-value')).toContain('Did you mean "full_refresh"?');
    expect(message(POSTGRES_SOURCE.replace('sync: full_refresh', 'sync: full_refresh\n        sync_frequency: 1hours'), 'invalid-value')).toContain('Did you mean "1hour"?');
  });

  it('does not suggest something unrelated', () => {
    expect(message(POSTGRES_SOURCE.replace('type: Postgres', 'type: Xyzzy'), 'unknown-source-type')).not.toContain('Did you mean');
    expect(didYouMean('x', ['host', 'port'])).toBe('');
    expect(closest('zzzzzzzz', ['host', 'port'])).toBeUndefined();
  });

  it('prefers a case-insensitive exact match', () => {
    expect(closest('MYSQL', ['MSSQL', 'MySQL'])).toBe('MySQL');
  });
});

describe('oauth-source', () => {
  const stripe = (auth: string) => `version: 1
sources:
  billing:
    type: Stripe
    prefix: billing_
    config:
      auth_method:
${auth}
    tables: {}
`;
  it('warns for Stripe when the OAuth option is chosen', () => {
    expect(lint(stripe('        selection: oauth\n        stripe_integration_id: 7')).map(where)).toEqual([{ code: 'oauth-source', line: 4, column: 11 }]);
  });
  it('warns for Stripe when OAuth is selected, even before the integration id is filled in', () => {
    // selection: oauth is the user's choice of OAuth; the integration id is the thing still to obtain in PostHog.
    expect(lint(stripe('        selection: oauth')).map(where)).toEqual([{ code: 'oauth-source', line: 4, column: 11 }]);
  });
  it('does not warn for Stripe with an API key', () => {
    expect(lint(stripe('        selection: api_key\n        stripe_secret_key: ${STRIPE_KEY}'))).toEqual([]);
  });
  it('is a warning, so it does not make the file invalid', () => {
    const [d] = lint(stripe('        selection: oauth\n        stripe_integration_id: 7'));
    expect(d!.severity).toBe('warning');
  });
});

describe('unreleased-source', () => {
  // The bundled snapshot marks no type unreleased, so build a wizard that does.
  const wizard: WizardResponse = structuredClone(bundledWizard);
  wizard.Chargebee!.unreleasedSource = true;
  const options = { validate: compileValidator(generateSchema(wizard, cdcSourceTypes())), catalog: buildCatalog(wizard, { cdcTypes: cdcSourceTypes() }) };
  const text = `version: 1
sources:
  subs:
    type: Chargebee
    prefix: subs_
    config:
      api_key: \${CHARGEBEE_API_KEY}
      site_name: acme
    tables: {}
`;

  it('warns at the type of a source the wizard marks unreleased', () => {
    const { diagnostics } = lintText('warehouse.yaml', text, options);
    expect(diagnostics.map((d) => ({ ...where(d), severity: d.severity }))).toEqual([{ code: 'unreleased-source', line: 4, column: 11, severity: 'warning' }]);
  });

  it('stays quiet with the snapshot, where Chargebee is released', () => {
    expect(lint(text)).toEqual([]);
  });
});

describe('plaintext-secret', () => {
  it('accepts references in every secret field, and empty optional secrets', () => {
    const text = POSTGRES_SOURCE.replace('      password: ${SHOP_DB_PASSWORD}\n', '      password: ${file:secrets/db_password}\n      connection_string: ""\n');
    expect(lint(text)).toEqual([]);
  });

  it('refuses a reference mixed with literal text in a secret field', () => {
    const text = POSTGRES_SOURCE.replace('password: ${SHOP_DB_PASSWORD}', 'password: prefix-${SHOP_DB_PASSWORD}');
    expect(only(text, 'plaintext-secret').map(where)).toEqual([{ code: 'plaintext-secret', line: 11, column: 17 }]);
  });

  it('refuses a number in a secret field', () => {
    const text = POSTGRES_SOURCE.replace('password: ${SHOP_DB_PASSWORD}', 'password: 123456');
    expect(only(text, 'plaintext-secret')).toHaveLength(1);
  });

  it('never repeats the secret in its message', () => {
    const text = POSTGRES_SOURCE.replace('password: ${SHOP_DB_PASSWORD}', 'password: hunter2-very-secret');
    for (const d of lint(text)) expect(d.message).not.toContain('hunter2-very-secret');
  });
});

describe('references', () => {
  it('reports a malformed reference in a list item', () => {
    const text = POSTGRES_SOURCE.replace('sync: full_refresh', 'sync: full_refresh\n        primary_key: [id, "${}"]');
    expect(only(text, 'invalid-reference').map((d) => d.path)).toEqual(['/sources/shop_db/tables/orders/primary_key/1']);
  });
  it('treats $${ as an escaped literal', () => {
    expect(lint(POSTGRES_SOURCE.replace('host: db.example.com', 'host: $${NOT_A_REF}'))).toEqual([]);
  });
});

describe('duplicate-source', () => {
  it('is case-sensitive in the prefix, as PostHog is', () => {
    const two = (p1: string, p2: string) => `version: 1
sources:
  a:
    type: Chargebee
    prefix: ${p1}
    config: { api_key: "\${A}", site_name: a }
    tables: {}
  b:
    type: Chargebee
    prefix: ${p2}
    config: { api_key: "\${B}", site_name: b }
    tables: {}
`;
    expect(only(two('shop_', 'Shop_'), 'duplicate-source')).toEqual([]);
    expect(only(two('shop_', 'shop_'), 'duplicate-source').map(where)).toEqual([{ code: 'duplicate-source', line: 10, column: 13 }]);
  });
});

describe('primary-key-not-stored (API.md §12: keys are stored only for incremental and append)', () => {
  const withKey = (sync: string) => POSTGRES_SOURCE.replace('        sync: full_refresh', `        sync: ${sync}\n        primary_key: [id]${sync === 'incremental' || sync === 'append' ? '\n        incremental_field: updated_at' : ''}`);

  it.each(['full_refresh', 'xmin'])('warns at the key for %s, naming why', (sync) => {
    const found = only(withKey(sync), 'primary-key-not-stored');
    expect(found.map(where)).toEqual([{ code: 'primary-key-not-stored', line: 15, column: 9 }]);
    expect(found[0]!.severity).toBe('warning');
    expect(found[0]!.message).toContain(`PostHog stores no primary key for ${sync} tables`);
  });

  it('for cdc, says the key comes from the database', () => {
    const [d] = only(withKey('cdc'), 'primary-key-not-stored');
    expect(d!.message).toContain('CDC tables take the primary key PostHog reads from the database');
  });

  it.each(['incremental', 'append'])('is quiet for %s, where PostHog stores the key', (sync) => {
    expect(only(withKey(sync), 'primary-key-not-stored')).toEqual([]);
  });

  it('is quiet without a primary_key, and for an unknown sync type (the schema reports that)', () => {
    expect(only(POSTGRES_SOURCE, 'primary-key-not-stored')).toEqual([]);
    expect(only(withKey('sometimes'), 'primary-key-not-stored')).toEqual([]);
  });
});
