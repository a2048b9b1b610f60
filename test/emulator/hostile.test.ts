import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from './server.js';

/**
 * The hostile hooks do what the adversarial tests (test/network/) rely on. They are not PostHog behaviours
 * (no API.md section): a hostile server answers as test/emulator/hostile.ts says, and nothing else changes.
 */
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => emulator.reset());

const LIST = '^/api/projects/1/external_data_sources/?$';
const get = (signal?: AbortSignal) =>
  request(`${emulator.url}/api/projects/1/external_data_sources/`, { headers: { authorization: 'Bearer phx_test_key' }, ...(signal ? { signal } : {}) });

describe('hostile emulator hooks', () => {
  it('huge-page: a valid DRF page with that many results and no next', async () => {
    emulator.hostile.add({ name: 'page', path: LIST, behaviour: { kind: 'huge-page', items: 3 } });
    const body = (await (await get()).body.json()) as { count: number; next: unknown; results: { id: string }[] };
    expect(body).toMatchObject({ count: 3, next: null });
    expect(body.results.map((r) => r.id)).toEqual(['s0', 's1', 's2']);
  });

  it('hang: headers never come', async () => {
    emulator.hostile.add({ name: 'hang', path: LIST, behaviour: { kind: 'hang' } });
    await expect(get(AbortSignal.timeout(300))).rejects.toThrow();
    expect(emulator.hostile.hits).toEqual(['hang']);
  });

  it('retry-after: the status and header, on every request; times bounds a rule; then PostHog answers as usual', async () => {
    emulator.hostile.add({ name: 'wait', path: LIST, times: 2, behaviour: { kind: 'retry-after', status: 429, value: '100000' } });
    for (let i = 0; i < 2; i++) {
      const response = await get();
      expect(response.statusCode).toBe(429);
      expect(response.headers['retry-after']).toBe('100000');
      await response.body.dump();
    }
    const normal = await get();
    expect(normal.statusCode).toBe(200);
    await normal.body.dump();
  });

  it('huge-body: the declared length and the bytes', async () => {
    emulator.hostile.add({ name: 'big', path: LIST, behaviour: { kind: 'huge-body', bytes: 200_000, declare: true } });
    const response = await get();
    expect(response.headers['content-length']).toBe('200000');
    expect((await response.body.arrayBuffer()).byteLength).toBe(200_000);
  });

  it('body: a rule can match one request by its body only', async () => {
    emulator.hostile.add({ name: 'only-b', method: 'POST', path: LIST, body: '"prefix":"b_"', behaviour: { kind: 'retry-after', status: 503, value: '1' } });
    const post = (prefix: string) =>
      request(`${emulator.url}/api/projects/1/external_data_sources/`, {
        method: 'POST',
        headers: { authorization: 'Bearer phx_test_key', 'content-type': 'application/json' },
        body: JSON.stringify({ source_type: 'Stripe', prefix, payload: {} }),
      });
    const a = await post('a_');
    await a.body.dump();
    expect(a.statusCode).not.toBe(503);
    const b = await post('b_');
    await b.body.dump();
    expect(b.statusCode).toBe(503);
    expect(emulator.hostile.hits).toEqual(['only-b']);
  });
});
