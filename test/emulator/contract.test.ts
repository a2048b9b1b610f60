/**
 * Contract tests: every response example in shared/posthog/ replayed against the emulator — same
 * status, same keys and, where the example gives one, the same message. Examples that need a real
 * Postgres (bad password, CDC check results) belong to the Postgres driver's tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Emulator, startEmulator } from './server.js';
import { call, createStripe, example, STRIPE_KEY, STRIPE_KEY_NO_WEBHOOKS, stripePayload } from './support.js';

let emulator: Emulator;
const errors = example('error-examples.json');

const keysOf = (value: object) => Object.keys(value).sort();

beforeAll(async () => {
  emulator = await startEmulator({
    keys: {
      phx_test_key: { scopes: ['*'] },
      phx_read_only: { scopes: ['external_data_source:read'] },
      phx_project_1_only: { scopes: ['*'], projects: [1] },
    },
    // The shared examples show cdc_available null: the team without the CDC flag.
    cdcEnabledForTeam: false,
    stripeKeys: { [STRIPE_KEY]: { webhookWrite: true }, [STRIPE_KEY_NO_WEBHOOKS]: {} },
    integrations: { 101: 'hubspot' },
    syncDurationMs: 50,
  });
});
afterAll(async () => {
  await emulator.close();
});

describe('error-examples.json', () => {
  it('401 without credentials', async () => {
    const reply = await call(emulator, 'GET', 'external_data_sources/', undefined, null);
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(errors['401_missing_auth']);
  });

  it('401 with an unknown key', async () => {
    const reply = await call(emulator, 'GET', 'external_data_sources/', undefined, 'phx_nope');
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(errors['401_bad_key']);
  });

  it('403 for a key without the write scope', async () => {
    const reply = await call(emulator, 'POST', 'external_data_sources/database_schema/', { source_type: 'Stripe' }, 'phx_read_only');
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(errors['403_missing_scope']);
  });

  it('403 for a key limited to other projects', async () => {
    const reply = await call(emulator, 'GET', '/api/projects/123/external_data_sources/', undefined, 'phx_project_1_only');
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(errors['403_project_not_in_key']);
  });

  it('404 for an unknown source', async () => {
    const reply = await call(emulator, 'GET', 'external_data_sources/0190f7a4-2b6e-7c1d-9a55-4c3f1e2d3b4a/');
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual(errors['404']);
  });

  it('400 create with an unknown source_type / without payload / with a bad prefix', async () => {
    const unknown = await call(emulator, 'POST', 'external_data_sources/', { source_type: 'Foo', payload: {} });
    expect([unknown.status, unknown.body]).toEqual([400, errors['400_create_unknown_source_type']]);
    const noPayload = await call(emulator, 'POST', 'external_data_sources/', { source_type: 'Stripe' });
    expect([noPayload.status, noPayload.body]).toEqual([400, errors['400_create_missing_payload']]);
    const badPrefix = await call(emulator, 'POST', 'external_data_sources/', { source_type: 'Stripe', prefix: '9lives', payload: stripePayload() });
    expect([badPrefix.status, badPrefix.body]).toEqual([400, errors['400_create_bad_prefix']]);
  });

  it('400 create on a clashing prefix, newest texts', async () => {
    const schemas = [{ name: 'Charge', should_sync: false }];
    await createStripe(emulator, 'stripe', schemas);
    await createStripe(emulator, null, schemas);
    const dup = await call(emulator, 'POST', 'external_data_sources/', { source_type: 'Stripe', prefix: 'stripe', payload: { ...stripePayload(), schemas } });
    expect([dup.status, dup.body]).toEqual([400, errors['400_create_duplicate_prefix_newest']]);
    const none = await call(emulator, 'POST', 'external_data_sources/', { source_type: 'Stripe', payload: { ...stripePayload(), schemas } });
    expect([none.status, none.body]).toEqual([400, errors['400_create_prefix_required_newest']]);
    emulator.reset();
  });

  it('400 invalid config (checked before any connection)', async () => {
    const reply = await call(emulator, 'POST', 'external_data_sources/database_schema/', {
      source_type: 'Postgres', port: 5432, database: 'shop', user: 'u',
    });
    expect([reply.status, reply.body]).toEqual([400, errors['400_invalid_config']]);
  });

  it('400 database_schema with an unknown or missing source_type', async () => {
    const unknown = await call(emulator, 'POST', 'external_data_sources/database_schema/', { source_type: 'Foo' });
    expect([unknown.status, unknown.body]).toEqual([400, errors['400_db_schema_unknown_type']]);
    const missing = await call(emulator, 'POST', 'external_data_sources/database_schema/', {});
    expect([missing.status, missing.body]).toEqual([400, errors['400_db_schema_missing_type']]);
  });

  it('400 schema PATCH with a bad frequency; cancel with nothing running', async () => {
    const id = await createStripe(emulator, 'freq', [{ name: 'Charge', should_sync: false }]);
    const source = await call(emulator, 'GET', `external_data_sources/${id}/`);
    const schemaId = source.body.schemas[0].id;
    const patch = await call(emulator, 'PATCH', `external_data_schemas/${schemaId}/`, { sync_frequency: '2hour' });
    expect([patch.status, patch.body]).toEqual([400, errors['400_schema_patch_bad_frequency']]);
    const cancel = await call(emulator, 'POST', `external_data_schemas/${schemaId}/cancel/`);
    expect([cancel.status, cancel.body]).toEqual([400, errors['400_schema_cancel_nothing_running']]);
    emulator.reset();
  });

  it('429 throttled body (see behaviour tests for the limit itself)', async () => {
    const limited = await startEmulator({ rateLimitPerMinute: 1 });
    try {
      await call(limited, 'GET', 'external_data_sources/');
      const reply = await call(limited, 'GET', 'external_data_sources/');
      expect(reply.status).toBe(429);
      expect(keysOf(reply.body)).toEqual(keysOf(errors['429']));
      expect(reply.body.detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds?\.$/);
    } finally {
      await limited.close();
    }
  });
});

describe('wizard.json', () => {
  it('serves the wizard with the cache header', async () => {
    const reply = await call(emulator, 'GET', 'external_data_sources/wizard/');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('private, max-age=600');
    expect(keysOf(reply.body)).toEqual(keysOf(example('wizard.json')));
  });
});

describe('db-schema-stripe-example.json', () => {
  it('returns the 42-resource catalog exactly', async () => {
    const file = example('db-schema-stripe-example.json');
    const body = { ...file._request.body, auth_method: { selection: 'api_key', stripe_secret_key: STRIPE_KEY } };
    const reply = await call(emulator, 'POST', 'external_data_sources/database_schema/', body);
    expect(reply.status).toBe(file._response_status);
    expect(reply.body).toEqual(file._response);
  });
});

describe('create-request-stripe-example.json + create-response-example.json', () => {
  it('creates the example source: 201 with only an id', async () => {
    const { _note, ...request } = example('create-request-stripe-example.json');
    request.payload.auth_method.stripe_secret_key = STRIPE_KEY;
    const reply = await call(emulator, 'POST', 'external_data_sources/', request);
    const expected = example('create-response-example.json');
    expect(reply.status).toBe(expected._status);
    expect(keysOf(reply.body)).toEqual(keysOf(expected.body));
    expect(reply.body.id).toMatch(/^[0-9a-f-]{36}$/);
    emulator.reset();
  });
});

describe('external-data-source-retrieve-example.json / external-data-schema-example.json', () => {
  it('retrieve, list item and schema shapes', async () => {
    const file = example('external-data-source-retrieve-example.json');
    const schemaExample = example('external-data-schema-example.json').body;
    const id = await createStripe(emulator, 'shapes', [{ name: 'Charge', should_sync: true, sync_type: 'full_refresh' }]);
    const retrieve = await call(emulator, 'GET', `external_data_sources/${id}/`);
    expect(retrieve.status).toBe(200);
    expect(keysOf(retrieve.body)).toEqual(keysOf(file.body));
    expect(keysOf(retrieve.body.schemas[0])).toEqual(keysOf(file.body.schemas[0]));
    expect(keysOf(retrieve.body.schemas[0])).toEqual(keysOf(schemaExample));
    expect(keysOf(retrieve.body.revenue_analytics_config)).toEqual(keysOf(file.body.revenue_analytics_config));

    const list = await call(emulator, 'GET', 'external_data_sources/');
    expect(keysOf(list.body)).toEqual(keysOf(file.list_envelope_example));
    expect(keysOf(list.body.results[0].schemas[0])).toEqual(keysOf(file.list_item_schema_shape));

    const schema = await call(emulator, 'GET', `external_data_schemas/${retrieve.body.schemas[0].id}/`);
    expect(keysOf(schema.body)).toEqual(keysOf(schemaExample));
    expect(schema.body.source).toMatchObject({ id, source_type: 'Stripe' });
    emulator.reset();
  });
});

describe('stripe-webhook-examples.json', () => {
  const file = example('stripe-webhook-examples.json');

  it('webhook_info for a source without webhook support', async () => {
    const create = await call(emulator, 'POST', 'external_data_sources/', {
      source_type: 'Hubspot', payload: { hubspot_integration_id: 101, schemas: [{ name: 'contacts', should_sync: false }] },
    });
    const reply = await call(emulator, 'GET', `external_data_sources/${create.body.id}/webhook_info/`);
    expect([reply.status, reply.body]).toEqual([file.webhook_info_not_supported.status, file.webhook_info_not_supported.body]);
  });

  it('webhook_info before, create_webhook, webhook_info after, update inputs, delete', async () => {
    const id = await createStripe(emulator, 'hooks', [{ name: 'Customer', should_sync: true, sync_type: 'webhook' }]);
    const before = await call(emulator, 'GET', `external_data_sources/${id}/webhook_info/`);
    expect([before.status, before.body]).toEqual([file.webhook_info_no_webhook_yet.status, file.webhook_info_no_webhook_yet.body]);

    const created = await call(emulator, 'POST', `external_data_sources/${id}/create_webhook/`, {});
    expect(created.status).toBe(file.create_webhook_success.status);
    expect(keysOf(created.body)).toEqual(keysOf(file.create_webhook_success.body));
    expect(created.body).toMatchObject({ success: true, error: null, pending_inputs: [] });

    const after = await call(emulator, 'GET', `external_data_sources/${id}/webhook_info/`);
    const exists = file.webhook_info_exists.body;
    expect(after.status).toBe(200);
    expect(keysOf(after.body)).toEqual(keysOf(exists));
    expect(keysOf(after.body.hog_function)).toEqual(keysOf(exists.hog_function));
    expect(keysOf(after.body.external_status)).toEqual(keysOf(exists.external_status));
    expect(after.body.inputs).toEqual(exists.inputs);
    expect(after.body.webhook_url).toBe(`https://webhooks.us.posthog.com/public/webhooks/dwh/${after.body.hog_function.id}`);
    expect(Object.keys(after.body.schema_mapping)).toEqual(['customer']);
    expect(after.body.external_status).toMatchObject({ exists: true, status: 'enabled', description: 'PostHog data warehouse webhook', error: null });
    expect(after.body.external_status.created_at).toMatch(/^\d+$/);

    const update = await call(emulator, 'POST', `external_data_sources/${id}/update_webhook_inputs/`, file.update_webhook_inputs.body);
    expect([update.status, update.body]).toEqual([file.update_webhook_inputs.status, file.update_webhook_inputs.response]);

    await call(emulator, 'PATCH', `external_data_schemas/${after.body.schema_mapping.customer}/`, { should_sync: false });
    const deleted = await call(emulator, 'POST', `external_data_sources/${id}/delete_webhook/`);
    expect([deleted.status, deleted.body]).toEqual([file.delete_webhook.status, file.delete_webhook.response]);
  });

  it('create_webhook with a key that may not write webhooks', async () => {
    const id = await createStripe(emulator, 'nowrite', [{ name: 'Customer', should_sync: true, sync_type: 'webhook' }], STRIPE_KEY_NO_WEBHOOKS);
    const reply = await call(emulator, 'POST', `external_data_sources/${id}/create_webhook/`, {});
    const expected = file.create_webhook_permission_error;
    expect(reply.status).toBe(expected.status);
    expect(keysOf(reply.body)).toEqual(keysOf(expected.body));
    expect(reply.body.success).toBe(false);
    expect(reply.body.error).toBe(expected.body.error);
  });
});

describe('cdc-prerequisites-examples.json', () => {
  it('refuses non-CDC source types', async () => {
    const file = example('cdc-prerequisites-examples.json');
    const reply = await call(emulator, 'POST', 'external_data_sources/check_cdc_prerequisites/', { ...file.request, source_type: 'Stripe' });
    expect([reply.status, reply.body]).toEqual([file.response_not_postgres.status, file.response_not_postgres.body]);
  });
});
