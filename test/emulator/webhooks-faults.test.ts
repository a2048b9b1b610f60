/** The Stripe webhook flow (API.md §7), fault injection and the out-of-process control routes. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { type Emulator, startEmulator } from './server.js';
import { call, createStripe, STRIPE_KEY, STRIPE_KEY_NO_WEBHOOKS } from './support.js';

let emulator: Emulator;
const SOURCES = 'external_data_sources/';
const WEBHOOK_TABLE = [{ name: 'Customer', should_sync: true, sync_type: 'webhook' }];

beforeAll(async () => {
  emulator = await startEmulator({
    stripeKeys: { [STRIPE_KEY]: { webhookWrite: true }, [STRIPE_KEY_NO_WEBHOOKS]: {} },
    integrations: { 101: 'hubspot' },
    syncDurationMs: 30,
    webhookHost: 'https://webhooks.eu.posthog.com',
  });
});
afterEach(() => emulator.reset());
afterAll(async () => {
  await emulator.close();
});

describe('webhooks', () => {
  it('registers another external endpoint on every successful create_webhook', async () => {
    const id = await createStripe(emulator, 'stripe', WEBHOOK_TABLE);
    const first = await call(emulator, 'POST', `${SOURCES}${id}/create_webhook/`, {});
    const second = await call(emulator, 'POST', `${SOURCES}${id}/create_webhook/`, {});
    expect(first.body.success && second.body.success).toBe(true);
    expect(first.body.webhook_url).toMatch(/^https:\/\/webhooks\.eu\.posthog\.com\/public\/webhooks\/dwh\/[0-9a-f-]{36}$/);
    expect(second.body.webhook_url).toBe(first.body.webhook_url);
    expect(emulator.state.externalEndpointsRegistered()).toEqual({ [id]: 2 });
    const state = await call(emulator, 'GET', '/_emulator/state', undefined, null);
    expect(state.body.externalEndpointsRegistered).toEqual({ [id]: 2 });
  });

  it('permission-refused path: enabled function without a secret (pending), then update_webhook_inputs', async () => {
    const id = await createStripe(emulator, 'stripe', WEBHOOK_TABLE, STRIPE_KEY_NO_WEBHOOKS);
    const early = await call(emulator, 'POST', `${SOURCES}${id}/update_webhook_inputs/`, { inputs: { signing_secret: 'whsec_1' } });
    expect(early.body).toEqual({ message: 'No webhook function found for this source. Create a webhook first.' });

    const created = await call(emulator, 'POST', `${SOURCES}${id}/create_webhook/`, {});
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ success: false, pending_inputs: ['signing_secret'] });
    expect(created.body.error).toBe(
      "Your Stripe API key doesn't have permission to create webhooks. Please add the 'Write' permission for 'Webhook endpoints' to your API key, or create the webhook manually.",
    );
    expect(emulator.state.externalEndpointsRegistered()).toEqual({});
    let info = await call(emulator, 'GET', `${SOURCES}${id}/webhook_info/`);
    // get_or_create_webhook_hog_function always saves the function enabled (API.md §7, §12).
    expect(info.body).toMatchObject({ exists: true, hog_function: { enabled: true }, inputs: {} });

    const refusals: [unknown, string][] = [
      [{}, 'No inputs provided'],
      [{ inputs: {} }, 'No inputs provided'],
      [{ inputs: { signing_secret: 'whsec_1', other: 'x' } }, 'Invalid input keys: other'],
      [{ inputs: { signing_secret: '' } }, 'Missing required fields: signing_secret'],
    ];
    for (const [body, text] of refusals) {
      const reply = await call(emulator, 'POST', `${SOURCES}${id}/update_webhook_inputs/`, body);
      expect([reply.status, reply.body]).toEqual([400, { message: text }]);
    }
    const stored = await call(emulator, 'POST', `${SOURCES}${id}/update_webhook_inputs/`, { inputs: { signing_secret: 'whsec_manual' } });
    expect([stored.status, stored.body]).toEqual([200, { success: true }]);
    info = await call(emulator, 'GET', `${SOURCES}${id}/webhook_info/`);
    expect(info.body).toMatchObject({ hog_function: { enabled: true }, inputs: { signing_secret: { secret: true } } });
    expect(JSON.stringify(info.body)).not.toContain('whsec_manual');
  });

  it('create_webhook on a non-webhook source and delete_webhook while webhook tables exist', async () => {
    const missing = await call(emulator, 'POST', `${SOURCES}nope/create_webhook/`, {});
    expect(missing.status).toBe(404);
    const hubspot = await call(emulator, 'POST', SOURCES, { source_type: 'Hubspot', payload: { hubspot_integration_id: 101, schemas: [{ name: 'contacts', should_sync: false }] } });
    const unsupported = await call(emulator, 'POST', `${SOURCES}${hubspot.body.id}/create_webhook/`, {});
    expect([unsupported.status, unsupported.body]).toEqual([400, { message: 'This source type does not support webhooks' }]);
    const id = await createStripe(emulator, 'stripe', WEBHOOK_TABLE);
    await call(emulator, 'POST', `${SOURCES}${id}/create_webhook/`, {});
    const refused = await call(emulator, 'POST', `${SOURCES}${id}/delete_webhook/`);
    expect(refused.body).toEqual({
      message: 'Cannot delete webhook while tables are using webhook sync: Customer. Switch them to full refresh, incremental, or disable syncing first.',
    });
  });

  it('switching a schema to webhook sync registers the webhook, or refuses when Stripe would', async () => {
    const id = await createStripe(emulator, 'stripe', [{ name: 'Charge', should_sync: false }]);
    const [charge] = (await call(emulator, 'GET', `${SOURCES}${id}/`)).body.schemas;
    const ok = await call(emulator, 'PATCH', `external_data_schemas/${charge.id}/`, { should_sync: true, sync_type: 'webhook' });
    expect(ok.status).toBe(200);
    expect(emulator.state.externalEndpointsRegistered()).toEqual({ [id]: 1 });

    const other = await createStripe(emulator, 'nowrite', [{ name: 'Charge', should_sync: false }], STRIPE_KEY_NO_WEBHOOKS);
    const [otherCharge] = (await call(emulator, 'GET', `${SOURCES}${other}/`)).body.schemas;
    const refused = await call(emulator, 'PATCH', `external_data_schemas/${otherCharge.id}/`, { should_sync: true, sync_type: 'webhook' });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/^Failed to register webhook on your source: .* You can set up the webhook manually from the Webhook tab\.$/);
    expect(emulator.state.schemas.get(otherCharge.id)).toMatchObject({ shouldSync: false, syncType: null });
  });
});

describe('fault injection', () => {
  it('answers an injected status `times` times, then normally', async () => {
    emulator.faults.add({ method: 'GET', path: '/external_data_sources/?$', status: 503, retryAfter: 7, times: 2 });
    const first = await call(emulator, 'GET', SOURCES);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    expect((await call(emulator, 'GET', SOURCES)).status).toBe(503);
    expect((await call(emulator, 'GET', SOURCES)).status).toBe(200);
    emulator.faults.add({ path: 'wizard', status: 429, retryAfter: 3, times: 1 });
    const throttledReply = await call(emulator, 'GET', `${SOURCES}wizard/`);
    expect([throttledReply.status, throttledReply.headers.get('retry-after'), throttledReply.body.code]).toEqual([429, '3', 'throttled']);
  });

  it('reset-after performs the effect and drops the connection; reset-before does nothing', async () => {
    emulator.faults.add({ method: 'POST', path: '/external_data_sources/?$', action: 'reset-before', times: 1 });
    await expect(createStripe(emulator, 'before', [{ name: 'Charge', should_sync: false }])).rejects.toThrow();
    expect(emulator.state.liveSources()).toHaveLength(0);

    emulator.faults.add({ method: 'POST', path: '/external_data_sources/?$', action: 'reset-after', times: 1 });
    await expect(createStripe(emulator, 'after', [{ name: 'Charge', should_sync: false }])).rejects.toThrow();
    expect(emulator.state.liveSources().map((s) => s.prefix)).toEqual(['after']);
    expect(emulator.requests.map((r) => r.status)).toEqual([0, 0]);
  });

  it('delays, and draws probabilities from a seeded RNG (reproducible)', async () => {
    emulator.faults.add({ path: 'wizard', delayMs: 150, times: 1 });
    const started = Date.now();
    expect((await call(emulator, 'GET', `${SOURCES}wizard/`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    const outcomes = async (): Promise<number[]> => {
      emulator.faults.clear();
      emulator.faults.seed(42);
      emulator.faults.add({ path: '/external_data_sources/?$', status: 500, probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await call(emulator, 'GET', SOURCES)).status);
      return statuses;
    };
    const a = await outcomes();
    expect(a).toEqual(await outcomes());
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it('is controllable over HTTP: faults, requests, state and reset', async () => {
    const add = await call(emulator, 'POST', '/_emulator/faults', [{ method: 'GET', path: 'wizard', status: 502, times: 1 }], null);
    expect(add.status).toBe(200);
    expect((await call(emulator, 'GET', `${SOURCES}wizard/`)).status).toBe(502);
    await call(emulator, 'POST', '/_emulator/faults', { rules: [{ path: 'wizard', status: 504 }] }, null);
    expect((await call(emulator, 'DELETE', '/_emulator/faults', undefined, null)).status).toBe(204);
    expect((await call(emulator, 'GET', `${SOURCES}wizard/`)).status).toBe(200);
    const requests = await call(emulator, 'GET', '/_emulator/requests', undefined, null);
    expect(requests.body.map((r: { status: number }) => r.status)).toEqual([502, 200]);
    await createStripe(emulator, 's', [{ name: 'Charge', should_sync: false }]);
    expect((await call(emulator, 'GET', '/_emulator/state', undefined, null)).body.sources).toHaveLength(1);
    expect((await call(emulator, 'POST', '/_emulator/reset', undefined, null)).status).toBe(204);
    expect((await call(emulator, 'GET', '/_emulator/state', undefined, null)).body.sources).toHaveLength(0);
  });
});
