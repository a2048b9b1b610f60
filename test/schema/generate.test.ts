import { describe, expect, it } from 'vitest';
import { cdcSourceTypes } from '../../src/sources/index.js';
import { compileValidator } from '../../src/schema/ajv.js';
import { fieldSchema, generateSchema, REFERENCE_PATTERN, type JsonSchema } from '../../src/schema/generate.js';
import { bundledWizard } from '../../src/wizard/bundled.js';
import type { SourceConfig, WizardField, WizardResponse } from '../../src/wizard/types.js';

const schema = generateSchema(bundledWizard, cdcSourceTypes());
const validate = compileValidator(schema);
const defs = schema.definitions as Record<string, JsonSchema>;
const props = (s: unknown) => (s as { properties: Record<string, JsonSchema> }).properties;

/** A one-type wizard with the given fields, for checking one mapping at a time. */
function wizardWith(fields: WizardField[], extra: Partial<SourceConfig> = {}): WizardResponse {
  return { Test: { name: 'Test', label: 'Test source', caption: 'A test', category: 'Testing', fields, ...extra } };
}

/** Validate a whole file whose one source has this config, against a schema generated from `wizard`. */
function validConfig(wizard: WizardResponse, config: unknown): boolean {
  const v = compileValidator(generateSchema(wizard, cdcSourceTypes()));
  return v({ version: 1, sources: { s: { type: 'Test', prefix: 't_', config, tables: {} } } }) as boolean;
}

const file = (source: Record<string, unknown>) => ({ version: 1, sources: { s: { prefix: 's_', tables: {}, ...source } } });

describe('input kinds', () => {
  const field = (type: string, extra: object = {}) => fieldSchema({ type, name: 'f', label: 'F', caption: 'Cap', ...extra } as WizardField);

  it('text, search and textarea are strings, with the placeholder as an example', () => {
    for (const type of ['text', 'search', 'textarea']) {
      expect(field(type, { placeholder: 'ph' })).toEqual({ title: 'F', description: 'Cap', type: 'string', examples: ['ph'] });
    }
  });

  it('password and secret inputs are strings with a secret note and no example', () => {
    for (const s of [field('password', { placeholder: 'x' }), field('text', { secret: true, placeholder: 'x' })]) {
      expect(s.type).toBe('string');
      expect(s.examples).toBeUndefined();
      expect(String(s.description)).toMatch(/^Cap\n\nSecret: write a reference/);
    }
  });

  it('number accepts an integer, digits, or a reference', () => {
    const s = field('number');
    expect(s.type).toEqual(['integer', 'string']);
    const v = compileValidator({ type: 'object', properties: { n: s } });
    expect([5432, '5432', '${PORT}'].map((n) => v({ n }))).toEqual([true, true, true]);
    expect(['54x', '', 'port'].map((n) => v({ n }))).toEqual([false, false, false]);
  });

  it('email, url and time have patterns that also accept a reference', () => {
    const cases: [string, string[], string[]][] = [
      ['email', ['a@b.co', '${EMAIL}'], ['not-an-email', 'a@b', '']],
      ['url', ['https://x.example/p', '${URL}'], ['x.example', '']],
      ['time', ['02:30', '23:59:59', '${T}'], ['24:00', '2:30', '']],
    ];
    for (const [type, good, bad] of cases) {
      const v = compileValidator({ type: 'object', properties: { f: field(type) } });
      expect(good.map((f) => v({ f })), type).toEqual(good.map(() => true));
      expect(bad.map((f) => v({ f })), type).toEqual(bad.map(() => false));
    }
  });

  it('title and description come from label and caption, and are omitted when absent', () => {
    expect(fieldSchema({ type: 'text', name: 'f' })).toEqual({ type: 'string' });
    expect(field('text')).toMatchObject({ title: 'F', description: 'Cap' });
  });

  it('the reference pattern accepts ${NAME} and ${file:PATH} only', () => {
    const re = new RegExp(REFERENCE_PATTERN);
    expect(['${A}', '${_a1}', '${file:x/y.json}'].every((s) => re.test(s))).toBe(true);
    expect(['${}', '${9A}', '${file:}', 'x${A}', '${A'].some((s) => re.test(s))).toBe(false);
  });
});

describe('select', () => {
  it('a plain select is an enum of its values, with its default', () => {
    const s = fieldSchema({ type: 'select', name: 'mode', label: 'Mode', defaultValue: 'a', options: [{ value: 'a', label: 'A' }, { value: 'b' }] });
    expect(s).toEqual({ title: 'Mode', description: 'One of: a (A), b.', enum: ['a', 'b'], default: 'a' });
  });

  it('a multiple select is a unique array of the values', () => {
    const s = fieldSchema({ type: 'select', name: 'm', multiple: true, options: [{ value: 'a' }, { value: 'b' }] });
    expect(s).toMatchObject({ type: 'array', items: { enum: ['a', 'b'] }, uniqueItems: true });
  });

  it('MySQL using_ssl (str_to_bool) accepts "true" and true, "false" and false, nothing else', () => {
    const ok = (using_ssl: unknown) =>
      validate(file({ type: 'MySQL', config: { host: 'h', port: 3306, database: 'd', user: 'u', password: '${P}', using_ssl, verify_server_certificate: false } }));
    expect([true, 'true', false, 'false'].map(ok)).toEqual([true, true, true, true]);
    expect(['yes', 1, null].map(ok)).toEqual([false, false, false]);
  });

  it('Stripe auth_method is {selection, fields of that option}', () => {
    const auth = props(defs.config_Stripe).auth_method!;
    expect(auth).toMatchObject({ type: 'object', required: ['selection'], properties: { selection: { enum: ['api_key', 'oauth'], default: 'api_key' } } });
    const ok = (auth_method: unknown) => validate(file({ type: 'Stripe', config: { auth_method } }));
    expect(ok({ selection: 'api_key', stripe_secret_key: '${K}' })).toBe(true);
    expect(ok({ selection: 'oauth', stripe_integration_id: 12 })).toBe(true);
    // a field of the other option is not allowed
    expect(ok({ selection: 'api_key', stripe_integration_id: 12 })).toBe(false);
    expect(ok({ selection: 'magic' })).toBe(false);
    expect(ok({ stripe_secret_key: '${K}' })).toBe(false);
  });

  it('Snowflake auth_type: required fields per option (user), and keypair fields only under keypair', () => {
    const base = { account_id: 'acc', database: 'db', warehouse: 'wh' };
    const ok = (auth_type: unknown) => validate(file({ type: 'Snowflake', config: { ...base, auth_type } }));
    expect(ok({ selection: 'keypair', user: 'u', private_key: '${file:k.p8}', passphrase: '${PP}' })).toBe(true);
    expect(ok({ selection: 'password', user: 'u', password: '${PW}' })).toBe(true);
    expect(ok({ selection: 'keypair', private_key: '${K}' })).toBe(false);
    expect(ok({ selection: 'password', user: 'u', private_key: '${K}' })).toBe(false);
  });
});

describe('switch-group', () => {
  it('BigQuery: children are required only when enabled', () => {
    const base = { key_file: '${file:k.json}', dataset_id: 'ds' };
    const ok = (use_custom_region: unknown) => validate(file({ type: 'BigQuery', config: { ...base, use_custom_region } }));
    expect(ok({ enabled: false })).toBe(true);
    expect(ok({ enabled: true, region: 'eu' })).toBe(true);
    expect(ok({ enabled: true })).toBe(false);
    expect(ok({ region: 'eu' })).toBe(false); // enabled is required
    expect(ok({ enabled: false, colour: 'x' })).toBe(false);
    expect(props(defs.config_BigQuery).use_custom_region).toMatchObject({ type: 'object', required: ['enabled'], then: { required: ['region'] } });
  });

  it('a switch group never makes the config require it', () => {
    expect((defs.config_BigQuery as { required: string[] }).required).toEqual(['key_file', 'dataset_id']);
  });

  it('carries a boolean default through, and has no if/then without required children', () => {
    const s = fieldSchema({ type: 'switch-group', name: 'g', default: true, fields: [{ type: 'text', name: 'x', required: false }] });
    expect(props(s).enabled).toEqual({ type: 'boolean', default: true });
    expect(s.if).toBeUndefined();
  });
});

describe('ssh-tunnel, oauth, oauth-account-select, file-upload', () => {
  it('ssh-tunnel needs host, port and auth only when enabled', () => {
    const v = compileValidator({ type: 'object', properties: { t: fieldSchema({ type: 'ssh-tunnel', name: 't' }) } });
    expect(v({ t: { enabled: false } })).toBe(true);
    expect(v({ t: { enabled: true, host: 'h', port: 22, auth: { selection: 'password', username: 'u', password: '${P}' } } })).toBe(true);
    expect(v({ t: { enabled: true, port: 22, auth: { selection: 'password' } } })).toBe(false);
    expect(v({ t: { enabled: true, host: 'h', port: 22, auth: { selection: 'token' } } })).toBe(false);
  });

  it('oauth is an integration id: an integer, digits, or a reference', () => {
    const s = fieldSchema({ type: 'oauth', name: 'i', label: 'Acct', kind: 'hubspot' });
    expect(s.title).toBe('Acct');
    expect(String(s.description)).toContain('hubspot');
    const v = compileValidator({ type: 'object', properties: { i: s } });
    expect([42, '42', '${ID}'].map((i) => v({ i }))).toEqual([true, true, true]);
    expect(v({ i: 'abc' })).toBe(false);
  });

  it('oauth-account-select is a non-empty string, or a non-empty list when multiple', () => {
    expect(fieldSchema({ type: 'oauth-account-select', name: 'a' })).toEqual({ type: 'string', minLength: 1 });
    expect(fieldSchema({ type: 'oauth-account-select', name: 'a', multiple: true, integrationField: 'x' })).toMatchObject({
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
    });
  });

  it('file-upload is a string (a ${file:...} reference) or an object, and names the keys', () => {
    const s = fieldSchema({ type: 'file-upload', name: 'key_file', label: 'Key', fileFormat: { format: '.json', keys: ['project_id', 'private_key'] } });
    expect(s.type).toEqual(['string', 'object']);
    expect(String(s.description)).toContain('project_id, private_key');
  });
});

describe('required fields and sources', () => {
  it('config requires the wizard-required fields and only those', () => {
    expect((defs.config_Postgres as { required: string[] }).required).toEqual(['host', 'port', 'database', 'user', 'password']);
    expect((defs.config_MongoDB as { required: string[] }).required).toEqual(['connection_string']);
  });

  it('a source requires type and prefix, and config when the wizard requires a field', () => {
    expect((defs.source_Postgres as { required: string[] }).required).toEqual(['type', 'prefix', 'config']);
    const noneRequired = generateSchema(wizardWith([{ type: 'text', name: 'x', required: false }]), cdcSourceTypes());
    expect(((noneRequired.definitions as Record<string, JsonSchema>).source_Test as { required: string[] }).required).toEqual(['type', 'prefix']);
  });

  it('title and description of a source come from the wizard label and caption', () => {
    const g = generateSchema(wizardWith([]), cdcSourceTypes());
    expect((g.definitions as Record<string, JsonSchema>).source_Test).toMatchObject({ title: 'Test source', description: 'A test' });
  });

  it('a required field inside a select option is required only in that option', () => {
    const w = wizardWith([
      {
        type: 'select',
        name: 'auth',
        required: true,
        options: [
          { value: 'a', fields: [{ type: 'text', name: 'token', required: true }] },
          { value: 'b', fields: [{ type: 'text', name: 'other', required: false }] },
        ],
      },
    ]);
    expect(validConfig(w, { auth: { selection: 'a', token: 't' } })).toBe(true);
    expect(validConfig(w, { auth: { selection: 'a' } })).toBe(false);
    expect(validConfig(w, { auth: { selection: 'b' } })).toBe(true);
  });
});

describe('webhook, cdc and sync types per source type', () => {
  it('only Stripe has a webhook block, and its fields come from webhookFields', () => {
    const withWebhook = Object.keys(defs).filter((k) => k.startsWith('source_') && props(defs[k]).webhook);
    expect(withWebhook).toEqual(['source_Stripe']);
    expect(Object.keys(props(props(defs.source_Stripe).webhook))).toEqual(['signing_secret']);
  });

  it('only Postgres has a cdc block', () => {
    const withCdc = Object.keys(defs).filter((k) => k.startsWith('source_') && props(defs[k]).cdc);
    expect(withCdc).toEqual(['source_Postgres']);
    expect(props(props(defs.source_Postgres).cdc).management).toMatchObject({ enum: ['posthog', 'self_managed'] });
  });

  it('the sync enum of each type lists what PostHog offers for it', () => {
    const syncOf = (type: string): unknown => {
      const ref = (props(defs[`source_${type}`]).tables!.additionalProperties as { $ref: string }).$ref.split('/').pop()!;
      return props(defs[ref]).sync!.enum;
    };
    expect(syncOf('Postgres')).toEqual(['full_refresh', 'incremental', 'append', 'cdc', 'xmin']);
    expect(syncOf('Stripe')).toEqual(['full_refresh', 'incremental', 'append', 'webhook']);
    expect(syncOf('MySQL')).toEqual(['full_refresh', 'incremental', 'append']);
    expect(syncOf('Hubspot')).toEqual(['full_refresh', 'incremental', 'append']);
  });

  it('a table requires sync', () => {
    expect(validate(file({ type: 'Chargebee', config: { api_key: '${K}', site_name: 's' }, tables: { t: {} } }))).toBe(false);
    expect(validate(file({ type: 'Chargebee', config: { api_key: '${K}', site_name: 's' }, tables: { t: { sync: 'full_refresh' } } }))).toBe(true);
  });

  it('the type enum lists every wizard type', () => {
    expect(props(defs.source).type!.enum).toEqual(Object.keys(bundledWizard).sort());
  });
});

describe('determinism', () => {
  it('generating twice gives identical output', () => {
    expect(JSON.stringify(generateSchema(bundledWizard, cdcSourceTypes()))).toBe(JSON.stringify(generateSchema(structuredClone(bundledWizard), cdcSourceTypes())));
  });

  it('does not depend on the key order of the wizard response', () => {
    const reversed = Object.fromEntries(Object.entries(bundledWizard).reverse()) as WizardResponse;
    expect(JSON.stringify(generateSchema(reversed, cdcSourceTypes()))).toBe(JSON.stringify(schema));
  });

  it('compiles under ajv strict mode', () => {
    expect(() => compileValidator(generateSchema(bundledWizard, cdcSourceTypes()))).not.toThrow();
  });
});

describe('unmanaged and moved_from (contract §3, second wave)', () => {
  const postgres = { type: 'Postgres', prefix: 'shop_', config: { host: 'h', port: 5432, database: 'd', user: 'u', password: '${P}', schema: 'public' }, tables: {} };

  it('accepts unmanaged.ignore as a list of strings, and nothing else under unmanaged', () => {
    expect(validate({ version: 1, unmanaged: { ignore: ['legacy_*', 'Stripe:*'] }, sources: {} })).toBe(true);
    expect(validate({ version: 1, unmanaged: {}, sources: {} })).toBe(true);
    expect(validate({ version: 1, unmanaged: { ignore: 'legacy_*' }, sources: {} })).toBe(false);
    expect(validate({ version: 1, unmanaged: { ignore: [3] }, sources: {} })).toBe(false);
    expect(validate({ version: 1, unmanaged: { prune: false }, sources: {} })).toBe(false);
    expect(validate({ version: 1, unmanaged: ['legacy_*'], sources: {} })).toBe(false);
  });

  it('accepts moved_from on every source type as a string of at most 100 characters', () => {
    expect(validate({ version: 1, sources: { shop: { ...postgres, moved_from: 'shop_old_' } } })).toBe(true);
    expect(validate({ version: 1, sources: { shop: { ...postgres, moved_from: 5 } } })).toBe(false);
    expect(validate({ version: 1, sources: { shop: { ...postgres, moved_from: 'x'.repeat(101) } } })).toBe(false);
    for (const [name, def] of Object.entries(defs).filter(([n]) => n.startsWith('source_'))) {
      expect(props(def).moved_from, name).toMatchObject({ type: 'string' });
    }
  });
});
