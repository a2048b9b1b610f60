/** Auth, scopes, routing variants, pagination and rate limiting (API.md §1). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Emulator, startEmulator } from './server.js';
import { call, createStripe, STRIPE_KEY } from './support.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({
    keys: {
      phx_test_key: { scopes: ['*'] },
      phx_read: { scopes: ['external_data_source:read'] },
      phx_write: { scopes: ['external_data_source:write'] },
      phx_other_scope: { scopes: ['insight:read'] },
      phx_legacy: { scopes: null },
    },
    stripeKeys: { [STRIPE_KEY]: {} },
    syncDurationMs: 20,
  });
});
afterAll(async () => {
  await emulator.close();
});

describe('auth and scopes', () => {
  it('refuses project keys (phc_) as invalid personal keys', async () => {
    const reply = await call(emulator, 'GET', 'external_data_sources/', undefined, 'phc_project_key');
    expect(reply.status).toBe(401);
    expect(reply.body.code).toBe('authentication_failed');
  });

  it('read scope may read but not write; database_schema needs write', async () => {
    expect((await call(emulator, 'GET', 'external_data_sources/', undefined, 'phx_read')).status).toBe(200);
    expect((await call(emulator, 'GET', 'external_data_sources/wizard/', undefined, 'phx_read')).status).toBe(200);
    expect((await call(emulator, 'GET', 'external_data_schemas/', undefined, 'phx_read')).status).toBe(200);
    const dbSchema = await call(emulator, 'POST', 'external_data_sources/database_schema/', { source_type: 'Stripe' }, 'phx_read');
    expect(dbSchema.status).toBe(403);
    expect(dbSchema.body.detail).toBe("API key missing required scope 'external_data_source:write'");
  });

  it(':write satisfies :read, legacy unscoped keys may do anything, other scopes may not read', async () => {
    expect((await call(emulator, 'GET', 'external_data_sources/', undefined, 'phx_write')).status).toBe(200);
    expect((await call(emulator, 'POST', 'external_data_sources/database_schema/', {}, 'phx_legacy')).status).toBe(400);
    const other = await call(emulator, 'GET', 'external_data_sources/', undefined, 'phx_other_scope');
    expect(other.status).toBe(403);
    expect(other.body.detail).toBe("API key missing required scope 'external_data_source:read'");
  });

  it('accepts the key as a personal_api_key query parameter', async () => {
    const reply = await call(emulator, 'GET', `/api/projects/1/external_data_sources/?personal_api_key=phx_test_key`, undefined, null);
    expect(reply.status).toBe(200);
  });
});

describe('routing', () => {
  it('serves /api/environments/, @current and paths without the trailing slash', async () => {
    expect((await call(emulator, 'GET', '/api/environments/1/external_data_sources/')).status).toBe(200);
    expect((await call(emulator, 'GET', '/api/projects/@current/external_data_sources/')).status).toBe(200);
    expect((await call(emulator, 'GET', '/api/projects/1/external_data_sources/wizard')).status).toBe(200);
  });

  it('answers 404 for an unknown project and unknown routes', async () => {
    const unknownProject = await call(emulator, 'GET', '/api/projects/999/external_data_sources/');
    expect(unknownProject.status).toBe(404);
    expect(unknownProject.body.code).toBe('not_found');
    expect((await call(emulator, 'GET', '/api/projects/1/insights/')).status).toBe(404);
  });

  it('answers 405 for schema create and 400 parse_error for malformed JSON', async () => {
    const post = await call(emulator, 'POST', 'external_data_schemas/', {});
    expect(post.status).toBe(405);
    expect(post.body).toEqual({ type: 'invalid_request', code: 'method_not_allowed', detail: 'Method "POST" not allowed.', attr: null });
    const res = await fetch(`${emulator.url}/api/projects/1/external_data_sources/`, {
      method: 'POST', headers: { Authorization: 'Bearer phx_test_key', 'Content-Type': 'application/json' }, body: '{nope',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('parse_error');
  });

  it('filters the wizard and refuses unknown types', async () => {
    const two = await call(emulator, 'GET', 'external_data_sources/wizard/?source_type=Stripe,Postgres');
    expect(Object.keys(two.body).sort()).toEqual(['Postgres', 'Stripe']);
    const bad = await call(emulator, 'GET', 'external_data_sources/wizard/?source_type=Zed,Foo,Stripe');
    expect([bad.status, bad.body]).toEqual([400, { message: 'Unknown source_type(s): Foo, Zed. Omit source_type to list every available type.' }]);
  });
});

describe('pagination', () => {
  it('pages >100 sources with absolute next/previous links, newest first, and searches', async () => {
    for (let i = 0; i < 105; i++) await createStripe(emulator, `p${i}`, [{ name: 'Charge', should_sync: false }]);
    const first = await call(emulator, 'GET', 'external_data_sources/');
    expect(first.body.count).toBe(105);
    expect(first.body.results).toHaveLength(100);
    expect(first.body.previous).toBeNull();
    expect(first.body.results[0].prefix).toBe('p104');
    expect(first.body.next).toBe(`${emulator.url}/api/projects/1/external_data_sources/?limit=100&offset=100`);
    const second = await call(emulator, 'GET', first.body.next);
    expect(second.body.results).toHaveLength(5);
    expect(second.body.next).toBeNull();
    expect(second.body.previous).toBe(`${emulator.url}/api/projects/1/external_data_sources/?limit=100`);
    expect(second.body.results.at(-1).prefix).toBe('p0');

    const small = await call(emulator, 'GET', 'external_data_sources/?limit=10&offset=20');
    expect(small.body.results.map((s: { prefix: string }) => s.prefix)[0]).toBe('p84');
    const search = await call(emulator, 'GET', 'external_data_sources/?search=p10');
    expect(search.body.count).toBe(6); // p10, p100..p104

    const schemas = await call(emulator, 'GET', 'external_data_schemas/');
    expect(schemas.body.count).toBe(105);
    expect(schemas.body.results).toHaveLength(100);
    emulator.reset();
  });
});

describe('rate limit', () => {
  it('throttles a key past its budget with Retry-After; other keys are unaffected', async () => {
    const limited = await startEmulator({ rateLimitPerMinute: 5, keys: { phx_a: { scopes: ['*'] }, phx_b: { scopes: ['*'] } } });
    try {
      for (let i = 0; i < 5; i++) expect((await call(limited, 'GET', 'external_data_sources/', undefined, 'phx_a')).status).toBe(200);
      const sixth = await call(limited, 'GET', 'external_data_sources/', undefined, 'phx_a');
      expect(sixth.status).toBe(429);
      expect(sixth.body.type).toBe('throttled_error');
      const retryAfter = Number(sixth.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(sixth.body.detail).toBe(`Request was throttled. Expected available in ${retryAfter} seconds.`);
      expect((await call(limited, 'GET', 'external_data_sources/', undefined, 'phx_b')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
