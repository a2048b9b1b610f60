// PostHog's examples: shared/ beside the clone in CI, else the machine's copy.
import { example } from '../emulator/support.js';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretMasker } from '../../src/secrets.js';
import { AmbiguousRequestError, PostHogApiError, readErrorBody } from '../../src/posthog/index.js';
import { API_KEY, HOST, SOURCES, SCHEMAS, harness, netError, rejection, type Harness } from './helpers.js';

const examples = example('error-examples.json');
const CREATE = { source_type: 'Postgres', prefix: 'shop_', payload: { host: 'db', schemas: [] } };

let h: Harness | undefined;
afterEach(async () => {
  h?.agent.assertNoPendingInterceptors();
  await h?.agent.close();
  h = undefined;
});

describe('error shapes (API.md §1)', () => {
  it('drf-exceptions-hog: message verbatim, attr, code and type kept, exit 1', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/`, method: 'POST' }).reply(400, examples['400_create_unknown_source_type']);
    const error = await rejection(h.client.createSource(CREATE));
    expect(error).toBeInstanceOf(PostHogApiError);
    expect(error).toMatchObject({
      status: 400,
      method: 'POST',
      path: `${SOURCES}/`,
      message: '"Foo" is not a valid choice.',
      posthogMessage: '"Foo" is not a valid choice.',
      attr: 'source_type',
      posthogCode: 'invalid_choice',
      type: 'validation_error',
      outcome: 'no',
      code: 'posthog-api-error',
    });
    expect(error.hint).toBe(`PostHog answered 400 to POST ${SOURCES}/.`);
  });

  it('ad-hoc {message}: verbatim', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/database_schema/`, method: 'POST' }).reply(400, examples['400_db_schema_bad_password_postgres']);
    const error = await rejection(h.client.databaseSchema('Postgres', {}));
    expect(error).toMatchObject({ status: 400, message: examples['400_db_schema_bad_password_postgres'].message, attr: null, posthogCode: null, outcome: 'no' });
  });

  it('{detail} of schema actions: verbatim', async () => {
    h = harness();
    h.pool.intercept({ path: `${SCHEMAS}/s/reload/`, method: 'POST' }).reply(400, { detail: "Couldn't start the sync. Try again in a few minutes." });
    expect(await rejection(h.client.reloadSchema('s'))).toMatchObject({ status: 400, message: "Couldn't start the sync. Try again in a few minutes." });
  });

  it('{success: false, error} of update_webhook_inputs (400): an error with PostHog text', async () => {
    h = harness();
    h.pool
      .intercept({ path: `${SOURCES}/s/update_webhook_inputs/`, method: 'POST' })
      .reply(400, { success: false, error: 'Stripe rejected the signing secret' });
    expect(await rejection(h.client.updateWebhookInputs('s', { signing_secret: 'whsec_x' }))).toMatchObject({
      status: 400,
      message: 'Stripe rejected the signing secret',
      outcome: 'no',
    });
  });

  it('{message, details} of create_webhook: both', async () => {
    h = harness();
    h.pool
      .intercept({ path: `${SOURCES}/s/create_webhook/`, method: 'POST' })
      .reply(400, { message: 'Invalid source configuration', details: 'auth_method is missing' });
    expect((await rejection(h.client.createWebhook('s'))).message).toBe('Invalid source configuration: auth_method is missing');
  });

  it('every example body yields its PostHog text', () => {
    const masker = new SecretMasker();
    for (const [name, body] of Object.entries(examples)) {
      if (name.startsWith('_')) continue;
      const o = body as { detail?: string; message?: string };
      expect(readErrorBody(body, masker).message, name).toBe(o.detail ?? o.message);
    }
  });

  it('tolerates plain DRF field errors, bare strings, and bodies without text', () => {
    const masker = new SecretMasker();
    expect(readErrorBody({ payload: ['This field is required.'] }, masker)).toMatchObject({ message: 'payload: This field is required.', attr: 'payload' });
    expect(readErrorBody({ non_field_errors: ['Nope.'] }, masker)).toMatchObject({ message: 'Nope.', attr: null });
    expect(readErrorBody('Bad Gateway', masker).message).toBe('Bad Gateway');
    expect(readErrorBody(['first', 'second'], masker).message).toBe('first');
    expect(readErrorBody({}, masker).message).toBeNull();
    expect(readErrorBody(undefined, masker).message).toBeNull();
  });

  it('a body without text says what was answered', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/x/`, method: 'GET' }).reply(404, '<html>nope</html>');
    expect((await rejection(h.client.getSource('x'))).message).toBe(`PostHog answered 404 to GET ${SOURCES}/x/`);
  });
});

describe('401 and 403 say which key and scope, and how to fix it (exit 3)', () => {
  it('401: create a personal key with both scopes and set POSTHOG_PERSONAL_API_KEY', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/?limit=100&offset=0`, method: 'GET' }).reply(401, examples['401_bad_key']);
    const error = await rejection(h.client.listSources());
    expect(error).toMatchObject({ status: 401, outcome: 'could-not-run', code: 'posthog-unauthorized', posthogMessage: examples['401_bad_key'].detail });
    expect(error.message).toBe(
      'Personal API key found in request Authorization header is invalid. PostHog did not accept the personal API key. ' +
        `Create a personal API key with the external_data_source:read and external_data_source:write scopes at ${HOST}/settings/user-api-keys ` +
        'and set POSTHOG_PERSONAL_API_KEY to it (a project key, phc_…, does not work here).',
    );
    expect(h.client.stats.requests).toBe(1);
  });

  it('403 on a write action names the write scope and the project', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/database_schema/`, method: 'POST' }).reply(403, examples['403_missing_scope']);
    const error = await rejection(h.client.databaseSchema('Postgres', {}));
    expect(error).toMatchObject({ status: 403, outcome: 'could-not-run', code: 'posthog-forbidden' });
    expect(error.message).toMatch(/^API key missing required scope 'external_data_source:write'\. /);
    expect(error.message).toMatch(/needs the external_data_source:write scope and access to project 4242/);
    expect(error.message).toMatch(/external_data_source:read and external_data_source:write scopes/);
    expect(error.message).toContain(`${HOST}/settings/user-api-keys`);
    expect(error.message).toMatch(/POSTHOG_PERSONAL_API_KEY/);
  });

  it('403 on a read action names the read scope', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/x/webhook_info/`, method: 'GET' }).reply(403, examples['403_project_not_in_key']);
    const error = await rejection(h.client.webhookInfo('x'));
    expect(error.message).toMatch(/needs the external_data_source:read scope/);
  });
});

describe('redirects are not followed (the key stays with the configured host)', () => {
  it('a 301 is an error naming where it pointed, and nothing is sent there', async () => {
    h = harness();
    h.pool
      .intercept({ path: `${SOURCES}/x/`, method: 'GET' })
      .reply(301, '', { headers: { location: 'https://evil.example/api/projects/4242/external_data_sources/x/?token=abc' } });
    const error = await rejection(h.client.getSource('x'));
    expect(error).toMatchObject({ status: 301, outcome: 'could-not-run', code: 'posthog-redirect' });
    expect(error.message).toMatch(
      /redirect \(301\) to https:\/\/evil\.example\/api\/projects\/4242\/external_data_sources\/x\/\. dwctl does not follow redirects/,
    );
    expect(error.message).not.toMatch(/token=abc/);
    expect(
      h.agent
        .getCallHistory()!
        .calls()
        .map((c) => c.origin),
    ).toEqual([HOST]);
  });
});

describe('secrets never appear in messages or log lines', () => {
  const DB_PASSWORD = 'hunter2-correct-horse';

  it('masks a registered secret echoed by PostHog, and the API key, in every error and log line', async () => {
    const output: string[] = [];
    h = harness();
    h.masker.add(DB_PASSWORD);
    const echo = `Could not connect to Postgres: password "${DB_PASSWORD}" rejected for key ${API_KEY}`;
    h.pool.intercept({ path: `${SOURCES}/database_schema/`, method: 'POST' }).reply(400, { message: echo });
    h.pool.intercept({ path: `${SOURCES}/`, method: 'POST' }).reply(502, { detail: echo });
    h.pool
      .intercept({ path: `${SOURCES}/x/`, method: 'GET' })
      .reply(401, { type: 'authentication_error', code: 'authentication_failed', detail: echo, attr: null });
    h.pool.intercept({ path: `${SOURCES}/y/`, method: 'GET' }).reply(400, { success: false, error: echo });
    h.pool.intercept({ path: `${SOURCES}/z/`, method: 'GET' }).replyWithError(netError('ENOTFOUND', `getaddrinfo ENOTFOUND ${DB_PASSWORD}`));

    const errors = [
      await rejection(h.client.databaseSchema('Postgres', { password: DB_PASSWORD })),
      await rejection(h.client.createSource({ ...CREATE, payload: { password: DB_PASSWORD } })),
      await rejection(h.client.getSource('x')),
      await rejection(h.client.getSource('y')),
      await rejection(h.client.getSource('z')),
    ];
    expect(errors[1]).toBeInstanceOf(AmbiguousRequestError);
    for (const e of errors) {
      output.push(e.message, String(e.hint ?? ''), String((e as { posthogMessage?: unknown }).posthogMessage ?? ''), JSON.stringify(e), String(e.stack));
    }
    output.push(...h.logs);
    const all = output.join('\n');
    expect(all).toContain('password "***" rejected for key ***');
    expect(all).not.toContain(DB_PASSWORD);
    expect(all).not.toContain(API_KEY);
    expect(all).not.toMatch(/Bearer/i);
    expect(h.logs).toHaveLength(5);
  });

  it('masks the key even when it shows up in a path the log writes', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/${API_KEY}/`, method: 'GET' }).reply(404, { detail: 'Not found.' });
    const error = await rejection(h.client.getSource(API_KEY));
    expect([error.message, error.hint, ...h.logs].join('\n')).not.toContain(API_KEY);
    expect(h.logs[0]).toMatch(new RegExp(`^GET ${SOURCES}/\\*\\*\\*/ 404 \\d+ms$`));
  });
});
