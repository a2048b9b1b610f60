// PostHog's examples: shared/ beside the clone in CI, else the machine's copy.
import { example } from '../emulator/support.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionSettingsError } from '../../src/errors.js';
import { SecretMasker } from '../../src/secrets.js';
import { PostHogApiError, createClient } from '../../src/posthog/index.js';
import { API_KEY, HOST, PROJECT, SCHEMAS, SOURCES, harness, rejection, sent, type Harness } from './helpers.js';

const shared = (name: string) => example(name);
const retrieve = shared('external-data-source-retrieve-example.json');
const dbSchema = shared('db-schema-postgres-example.json');

let h: Harness | undefined;
afterEach(async () => {
  h?.agent.assertNoPendingInterceptors();
  await h?.agent.close();
  h = undefined;
});

describe('requests', () => {
  it('sends the key as a Bearer header to the configured origin, JSON, with trailing slashes', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/abc/`, method: 'PATCH' }).reply(200, retrieve.body);
    await h.client.updateSource('abc', { description: 'new' });
    const [call] = h.agent.getCallHistory()!.calls();
    expect(call!.origin).toBe(HOST);
    expect(call!.headers).toMatchObject({ authorization: `Bearer ${API_KEY}`, accept: 'application/json', 'content-type': 'application/json' });
    expect(JSON.parse(String(call!.body))).toEqual({ description: 'new' });
  });

  it('uses /api/projects/{id}/ paths, always with the trailing slash', async () => {
    h = harness();
    const id = '0190f7a4-2b6e-7c1d-9a55-4c3f1e2d3b4a';
    const sid = '0190f7a4-3000-7000-8000-000000000001';
    const replies: [string, string, number, unknown][] = [
      ['GET', `${SOURCES}/wizard/`, 200, { Postgres: { name: 'Postgres', fields: [] } }],
      ['POST', `${SOURCES}/database_schema/`, 200, dbSchema._response],
      ['POST', `${SOURCES}/`, 201, { id }],
      ['GET', `${SOURCES}/${id}/`, 200, retrieve.body],
      ['DELETE', `${SOURCES}/${id}/`, 204, ''],
      ['POST', `${SOURCES}/${id}/reload/`, 200, ''],
      ['POST', `${SOURCES}/${id}/refresh_schemas/`, 200, { added: 1, deleted: 0, total_tables_seen: 3 }],
      ['PATCH', `${SOURCES}/${id}/bulk_update_schemas/`, 200, []],
      ['POST', `${SOURCES}/check_cdc_prerequisites/`, 200, { valid: true, errors: [] }],
      ['GET', `${SOURCES}/${id}/webhook_info/`, 200, { supports_webhooks: false, exists: false }],
      ['POST', `${SOURCES}/${id}/create_webhook/`, 200, { success: true, webhook_url: 'https://w', error: null, pending_inputs: [] }],
      ['POST', `${SOURCES}/${id}/update_webhook_inputs/`, 200, { success: true }],
      ['POST', `${SOURCES}/${id}/delete_webhook/`, 200, { success: true, external_deleted: true, error: null }],
      ['GET', `${SCHEMAS}/${sid}/`, 200, retrieve.body.schemas[0]],
      ['PATCH', `${SCHEMAS}/${sid}/`, 200, retrieve.body.schemas[0]],
      ['POST', `${SCHEMAS}/${sid}/reload/`, 200, ''],
      ['POST', `${SCHEMAS}/${sid}/resync/`, 200, ''],
    ];
    for (const [method, path, status, body] of replies) h.pool.intercept({ path, method }).reply(status, body as object);

    await h.client.wizard();
    await h.client.databaseSchema('Postgres', { host: 'db' });
    expect(await h.client.createSource({ source_type: 'Postgres', prefix: 'shop_', payload: { host: 'db', schemas: [] } })).toEqual({ id });
    await h.client.getSource(id);
    await h.client.deleteSource(id);
    await h.client.reloadSource(id);
    expect(await h.client.refreshSchemas(id)).toMatchObject({ added: 1 });
    await h.client.bulkUpdateSchemas(id, [{ id: sid, should_sync: true }]);
    await h.client.checkCdcPrerequisites({ source_type: 'Postgres', tables: ['orders'] });
    await h.client.webhookInfo(id);
    await h.client.createWebhook(id);
    await h.client.updateWebhookInputs(id, { signing_secret: 'whsec_abc' });
    await h.client.deleteWebhook(id);
    await h.client.getSchema(sid);
    await h.client.updateSchema(sid, { sync_frequency: '1hour' });
    await h.client.reloadSchema(sid);
    await h.client.resyncSchema(sid);

    expect(sent(h.agent)).toEqual(replies.map(([method, path]) => `${method} ${path}`));
    expect(h.client.stats.requests).toBe(replies.length);
    expect(h.client.stats.retries).toBe(0);
    expect(h.client.stats.byMethod).toEqual({ GET: 4, POST: 10, PATCH: 2, DELETE: 1 });
    expect(h.client.stats.byOperation.databaseSchema).toBe(1);
  });

  it('sends database_schema flat, the type beside the config (API.md §2.2)', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/database_schema/`, method: 'POST' }).reply(200, dbSchema._response);
    const tables = await h.client.databaseSchema('Postgres', dbSchema._request.body);
    const body = JSON.parse(String(h.agent.getCallHistory()!.firstCall()!.body));
    expect(body).toEqual({ ...dbSchema._request.body, source_type: 'Postgres' });
    expect(tables.map((t) => t.table)).toEqual(['orders', 'users', 'event_log']);
    expect(tables[0]!.detected_primary_keys).toEqual(['id']);
  });

  it('sends the create body as given, schemas and CDC keys inside payload', async () => {
    h = harness();
    const request = shared('create-request-postgres-example.json');
    delete request._note;
    h.pool.intercept({ path: `${SOURCES}/`, method: 'POST' }).reply(201, shared('create-response-example.json').body);
    const payload = { ...request.payload, cdc_enabled: true, cdc_management_mode: 'posthog' as const };
    expect(await h.client.createSource({ ...request, payload })).toEqual({ id: '0190f7a4-2b6e-7c1d-9a55-4c3f1e2d3b4a' });
    expect(JSON.parse(String(h.agent.getCallHistory()!.firstCall()!.body))).toEqual({ ...request, payload });
  });

  it('reads jobs since a time as a plain array (API.md §2.12), dropping entries without a table or a row count', async () => {
    h = harness();
    const after = '2026-11-01T00:00:00.000Z';
    const job = (id: string, rows: unknown, schema: unknown = { id: 's1', name: 'orders', sync_type: 'full_refresh' }) => ({
      id, created_at: '2026-11-20T10:00:00Z', finished_at: '2026-11-20T10:01:00Z', status: 'Completed', schema, rows_synced: rows, latest_error: null,
    });
    h.pool
      .intercept({ path: `${SOURCES}/abc/jobs/?after=${encodeURIComponent(after)}`, method: 'GET' })
      .reply(200, [job('j1', 40), job('j2', 'many'), job('j3', 5, null), job('j4', -3)]);
    const jobs = await h.client.jobs('abc', { after });
    expect(jobs.map((j) => [j.id, j.rows_synced, j.schema.name])).toEqual([['j1', 40, 'orders'], ['j4', 0, 'orders']]);
    expect(sent(h.agent)).toEqual([`GET ${SOURCES}/abc/jobs/?after=${encodeURIComponent(after)}`]);
  });

  it('refuses a jobs answer that is not a list', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/abc/jobs/`, method: 'GET' }).reply(200, { results: [] });
    expect(await rejection(h.client.jobs('abc'))).toMatchObject({ code: 'posthog-unexpected-response' });
  });

  it('sends create_webhook with {} or {inputs}, and update_webhook_inputs with {inputs}', async () => {
    h = harness();
    h.pool
      .intercept({ path: `${SOURCES}/s1/create_webhook/`, method: 'POST' })
      .reply(200, { success: false, webhook_url: 'https://w', error: 'no permission', pending_inputs: ['signing_secret'] })
      .times(2);
    h.pool.intercept({ path: `${SOURCES}/s1/update_webhook_inputs/`, method: 'POST' }).reply(200, { success: true });
    expect(await h.client.createWebhook('s1')).toEqual({
      success: false,
      webhook_url: 'https://w',
      error: 'no permission',
      pending_inputs: ['signing_secret'],
    });
    await h.client.createWebhook('s1', { signing_secret: 'whsec_1234' });
    await h.client.updateWebhookInputs('s1', { signing_secret: 'whsec_1234' });
    const bodies = h.agent
      .getCallHistory()!
      .calls()
      .map((c) => JSON.parse(String(c.body)));
    expect(bodies).toEqual([{}, { inputs: { signing_secret: 'whsec_1234' } }, { inputs: { signing_secret: 'whsec_1234' } }]);
  });

  it('encodes ids as one path segment', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/..%2Fx%3Fy/`, method: 'GET' }).reply(200, retrieve.body);
    await h.client.getSource('../x?y');
    expect(sent(h.agent)).toEqual([`GET ${SOURCES}/..%2Fx%3Fy/`]);
  });

  it('asks the wizard for selected types and keeps only those, also from a PostHog that ignores the filter', async () => {
    h = harness();
    h.pool
      .intercept({ path: `${SOURCES}/wizard/?source_type=Postgres%2CStripe`, method: 'GET' })
      .reply(200, { Postgres: { name: 'Postgres' }, Stripe: { name: 'Stripe' }, MySQL: { name: 'MySQL' } });
    expect(Object.keys(await h.client.wizard(['Postgres', 'Stripe']))).toEqual(['Postgres', 'Stripe']);
  });

  it('refuses to build a client for a plain-http remote host or a bad project id', () => {
    const masker = new SecretMasker();
    expect(() => createClient({ host: 'http://example.com', projectId: PROJECT, apiKey: API_KEY, masker })).toThrow(ConnectionSettingsError);
    expect(() => createClient({ host: HOST, projectId: '1/../2', apiKey: API_KEY, masker })).toThrow(ConnectionSettingsError);
  });

  it('registers the key with the masker', () => {
    h = harness();
    expect(h.masker.mask(`key=${API_KEY}`)).toBe('key=***');
  });
});

describe('pagination (API.md §1)', () => {
  const source = (n: number) => ({ ...retrieve.body, id: `s${n}`, prefix: `p${n}_`, schemas: [retrieve.list_item_schema_shape] });

  it('follows next through three pages, sending only limit/offset to the configured host', async () => {
    h = harness();
    // `next` names an internal host, as it does behind a proxy: the key must not go there.
    h.pool.intercept({ path: `${SOURCES}/?limit=100&offset=0`, method: 'GET' }).reply(200, {
      count: 5,
      next: `http://internal-web:8000${SOURCES}/?limit=2&offset=2`,
      previous: null,
      results: [source(1), source(2)],
    });
    h.pool
      .intercept({ path: `${SOURCES}/?limit=2&offset=2`, method: 'GET' })
      .reply(200, { count: 5, next: `http://internal-web:8000${SOURCES}/?limit=2&offset=4`, previous: 'x', results: [source(3), source(4)] });
    h.pool.intercept({ path: `${SOURCES}/?limit=2&offset=4`, method: 'GET' }).reply(200, { count: 5, next: null, previous: 'x', results: [source(5)] });
    const all = await h.client.listSources();
    expect(all.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(
      h.agent
        .getCallHistory()!
        .calls()
        .every((c) => c.origin === HOST),
    ).toBe(true);
    expect(h.client.stats.requests).toBe(3);
  });

  it('lists all schemas of the project the same way', async () => {
    h = harness();
    const schema = retrieve.body.schemas[0];
    h.pool
      .intercept({ path: `${SCHEMAS}/?limit=100&offset=0`, method: 'GET' })
      .reply(200, { count: 2, next: `${HOST}${SCHEMAS}/?limit=100&offset=100`, previous: null, results: [schema] });
    h.pool
      .intercept({ path: `${SCHEMAS}/?limit=100&offset=100`, method: 'GET' })
      .reply(200, { count: 2, next: null, previous: null, results: [{ ...schema, id: 'two' }] });
    expect((await h.client.listSchemas()).map((s) => s.id)).toEqual([schema.id, 'two']);
  });

  it('findSource matches type and prefix exactly, treating null and "" alike', async () => {
    h = harness();
    const page = {
      count: 4,
      next: null,
      previous: null,
      results: [
        { ...source(1), source_type: 'Stripe', prefix: 'shop_' },
        { ...source(2), source_type: 'Postgres', prefix: 'Shop_' },
        { ...source(3), source_type: 'Postgres', prefix: 'shop_' },
        { ...source(4), source_type: 'Postgres', prefix: '' },
      ],
    };
    h.pool
      .intercept({ path: `${SOURCES}/?limit=100&offset=0`, method: 'GET' })
      .reply(200, page)
      .times(3);
    expect((await h.client.findSource('Postgres', 'shop_'))?.id).toBe('s3');
    expect((await h.client.findSource('Postgres', null))?.id).toBe('s4');
    expect(await h.client.findSource('MySQL', 'shop_')).toBeNull();
  });
});

describe('tolerance of PostHog generations (API.md §0)', () => {
  it('fills what an older database_schema leaves out and keeps unknown keys', async () => {
    h = harness();
    h.pool
      .intercept({ path: `${SOURCES}/database_schema/`, method: 'POST' })
      .reply(200, [{ table: 'orders', incremental_fields: [], incremental_available: false, append_available: false, should_sync: false, brand_new_key: 1 }]);
    const [table] = await h.client.databaseSchema('Postgres', {});
    expect(table).toMatchObject({
      table: 'orders',
      detected_primary_keys: null,
      permission_error: null,
      cdc_available: null,
      xmin_available: null,
      rows: null,
      supports_webhooks: false,
      webhook_only: false,
      brand_new_key: 1,
    });
  });

  it('fills prefix, description and schemas of a source when absent', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/x/`, method: 'GET' }).reply(200, { id: 'x', source_type: 'Stripe' });
    expect(await h.client.getSource('x')).toEqual({ id: 'x', source_type: 'Stripe', prefix: null, description: null, schemas: [] });
  });

  it('takes an older webhook_info with only two keys', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/x/webhook_info/`, method: 'GET' }).reply(200, { supports_webhooks: true, exists: false });
    expect(await h.client.webhookInfo('x')).toEqual({ supports_webhooks: true, exists: false });
  });

  it('an HTML page in place of JSON is not mistaken for PostHog', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/x/`, method: 'GET' }).reply(200, '<!doctype html><html>login</html>', { headers: { 'content-type': 'text/html' } });
    const error = await rejection(h.client.getSource('x'));
    expect(error).toBeInstanceOf(PostHogApiError);
    expect(error).toMatchObject({ code: 'posthog-unexpected-response', outcome: 'could-not-run' });
    expect(error.message).toMatch(/an HTML page/);
  });
});

describe('bulk_update_schemas', () => {
  const schema = retrieve.body.schemas[0];

  it('sends {schemas: [...]} and returns the saved schemas', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/src/bulk_update_schemas/`, method: 'PATCH' }).reply(200, [schema]);
    expect(await h.client.bulkUpdateSchemas('src', [{ id: schema.id, sync_frequency: '1hour' }])).toEqual([schema]);
    expect(JSON.parse(String(h.agent.getCallHistory()!.firstCall()!.body))).toEqual({ schemas: [{ id: schema.id, sync_frequency: '1hour' }] });
  });

  // 403: the action is in no scope list on some versions, so PostHog refuses it to personal API keys (API.md §12).
  const refusals: Record<number, object> = {
    403: { type: 'authentication_error', code: 'permission_denied', detail: 'This action does not support Personal API Key access', attr: null },
    404: { type: 'invalid_request', code: 'not_found', detail: 'x', attr: null },
    405: { type: 'invalid_request', code: 'method_not_allowed', detail: 'x', attr: null },
  };
  it.each([403, 404, 405])('falls back to one PATCH per schema when the route answers %i, and remembers it', async (status) => {
    h = harness();
    h.pool
      .intercept({ path: `${SOURCES}/src/bulk_update_schemas/`, method: 'PATCH' })
      .reply(status, refusals[status]!);
    h.pool
      .intercept({ path: `${SCHEMAS}/a/`, method: 'PATCH' })
      .reply(200, { ...schema, id: 'a' })
      .times(2);
    h.pool
      .intercept({ path: `${SCHEMAS}/b/`, method: 'PATCH' })
      .reply(200, { ...schema, id: 'b' })
      .times(2);
    const updates = [
      { id: 'a', should_sync: true, apply_sync_defaults: true },
      { id: 'b', sync_frequency: '24hour' },
    ];
    expect((await h.client.bulkUpdateSchemas('src', updates)).map((s) => s.id)).toEqual(['a', 'b']);
    // Second call: straight to the fallback (a 404 is only taken as a missing route once the PATCHes succeed).
    await h.client.bulkUpdateSchemas('src', updates);
    const calls = h.agent.getCallHistory()!.calls();
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `PATCH ${SOURCES}/src/bulk_update_schemas/`,
      `PATCH ${SCHEMAS}/a/`,
      `PATCH ${SCHEMAS}/b/`,
      `PATCH ${SCHEMAS}/a/`,
      `PATCH ${SCHEMAS}/b/`,
    ]);
    expect(JSON.parse(String(calls[1]!.body))).toEqual({ should_sync: true });
    expect(JSON.parse(String(calls[2]!.body))).toEqual({ sync_frequency: '24hour' });
  });

  it('in the fallback, saves what it can and then throws the first failure', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/src/bulk_update_schemas/`, method: 'PATCH' }).reply(405, { detail: 'Method "PATCH" not allowed.' });
    h.pool
      .intercept({ path: `${SCHEMAS}/a/`, method: 'PATCH' })
      .reply(400, {
        type: 'validation_error',
        code: 'invalid_choice',
        detail: '"2hour" is not a valid sync frequency. The fastest sync frequency is 5 minutes.',
        attr: 'sync_frequency',
      });
    h.pool.intercept({ path: `${SCHEMAS}/b/`, method: 'PATCH' }).reply(200, { ...schema, id: 'b' });
    const error = await rejection(
      h.client.bulkUpdateSchemas('src', [
        { id: 'a', sync_frequency: '2hour' },
        { id: 'b', should_sync: true },
      ]),
    );
    expect(error).toMatchObject({ status: 400, attr: 'sync_frequency' });
    expect(sent(h.agent)).toContain(`PATCH ${SCHEMAS}/b/`);
  });

  it('makes no request for an empty batch', async () => {
    h = harness();
    expect(await h.client.bulkUpdateSchemas('src', [])).toEqual([]);
    expect(h.client.stats.requests).toBe(0);
  });

  it('does not fall back on other errors', async () => {
    h = harness();
    h.pool
      .intercept({ path: `${SOURCES}/src/bulk_update_schemas/`, method: 'PATCH' })
      .reply(400, { type: 'validation_error', code: 'invalid_input', detail: 'Schema updates must contain unique ids', attr: null });
    const error = await rejection(h.client.bulkUpdateSchemas('src', [{ id: 'a' }, { id: 'a' }]));
    expect(error).toMatchObject({ status: 400, message: 'Schema updates must contain unique ids', outcome: 'no' });
    expect(h.client.stats.requests).toBe(1);
  });
});

describe('a client without a dispatcher', () => {
  it('is constructible (undici global dispatcher)', async () => {
    const masker = new SecretMasker();
    const client = createClient({ host: 'http://127.0.0.1:9', projectId: PROJECT, apiKey: API_KEY, masker, maxRetries: 0 });
    expect(client.host).toBe('http://127.0.0.1:9');
    expect(client.projectId).toBe(PROJECT);
  });
});

describe('bulk_update_schemas refused by scope', () => {
  it('a key that really lacks the write scope gets PostHog\'s scope message from the per-schema PATCH (API.md §1, §12)', async () => {
    h = harness();
    h.pool
      .intercept({ path: `${SOURCES}/src/bulk_update_schemas/`, method: 'PATCH' })
      .reply(403, { type: 'authentication_error', code: 'permission_denied', detail: 'This action does not support Personal API Key access', attr: null });
    h.pool
      .intercept({ path: `${SCHEMAS}/a/`, method: 'PATCH' })
      .reply(403, { type: 'authentication_error', code: 'permission_denied', detail: "API key missing required scope 'external_data_source:write'", attr: null });
    const error = await rejection(h.client.bulkUpdateSchemas('src', [{ id: 'a', should_sync: true }]));
    expect((error as { status?: number }).status).toBe(403);
    expect((error as Error).message).toContain("missing required scope 'external_data_source:write'");
  });
});
