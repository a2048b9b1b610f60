import type { Dispatcher, MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { AmbiguousRequestError, PostHogApiError, PostHogUnreachableError } from '../../src/posthog/index.js';
import { NOW, SOURCES, harness, netError, rejection, sent, type Harness } from './helpers.js';

const SOURCE = { id: 'src', source_type: 'Postgres', prefix: 'shop_', description: null, schemas: [] };
const CREATE = { source_type: 'Postgres', prefix: 'shop_', payload: { host: 'db', schemas: [] } };
const throttled = { type: 'throttled_error', code: 'throttled', detail: 'Request was throttled. Expected available in 7 seconds.', attr: null };

let h: Harness | undefined;
afterEach(async () => {
  h?.agent.assertNoPendingInterceptors();
  await h?.agent.close();
  h = undefined;
});

describe('retries of requests that are safe to repeat', () => {
  it('retries a GET after 503, with full-jitter backoff', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(503, 'Service Unavailable');
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(200, SOURCE);
    expect((await h.client.getSource('src')).id).toBe('src');
    expect(h.client.stats).toMatchObject({ requests: 2, retries: 1 });
    // random() = 0.5 of the first backoff window (500 ms).
    expect(h.sleeps).toEqual([250]);
  });

  it.each([502, 504])('retries after %i', async (status) => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(status, '');
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(200, SOURCE);
    await h.client.getSource('src');
    expect(h.client.stats.requests).toBe(2);
  });

  it('retries a GET after a reset connection, with growing backoff', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).replyWithError(netError('ECONNRESET'));
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).replyWithError(netError('UND_ERR_SOCKET', 'other side closed'));
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(200, SOURCE);
    await h.client.getSource('src');
    expect(h.client.stats).toMatchObject({ requests: 3, retries: 2 });
    expect(h.sleeps).toEqual([250, 500]);
  });

  it.each([
    ['refresh_schemas', (hh: Harness) => hh.client.refreshSchemas('src'), `${SOURCES}/src/refresh_schemas/`, 'POST', { added: 0, deleted: 0 }],
    ['database_schema', (hh: Harness) => hh.client.databaseSchema('Postgres', {}), `${SOURCES}/database_schema/`, 'POST', []],
    [
      'check_cdc_prerequisites',
      (hh: Harness) => hh.client.checkCdcPrerequisites({ source_type: 'Postgres' }),
      `${SOURCES}/check_cdc_prerequisites/`,
      'POST',
      { valid: true, errors: [] },
    ],
    [
      'update_webhook_inputs',
      (hh: Harness) => hh.client.updateWebhookInputs('src', { signing_secret: 'whsec_x' }),
      `${SOURCES}/src/update_webhook_inputs/`,
      'POST',
      { success: true },
    ],
    ['bulk_update_schemas', (hh: Harness) => hh.client.bulkUpdateSchemas('src', [{ id: 'a' }]), `${SOURCES}/src/bulk_update_schemas/`, 'PATCH', []],
    ['PATCH source', (hh: Harness) => hh.client.updateSource('src', { description: 'x' }), `${SOURCES}/src/`, 'PATCH', SOURCE],
  ] as const)('retries the idempotent %s after 503', async (_name, call, path, method, ok) => {
    h = harness();
    h.pool.intercept({ path, method }).reply(503, { type: 'server_error', code: 'error', detail: 'busy', attr: null });
    h.pool.intercept({ path, method }).reply(200, ok);
    await call(h);
    expect(h.client.stats.requests).toBe(2);
  });

  it('gives up after maxRetries: a 5xx then exits 3 with the attempts in the hint', async () => {
    h = harness({ maxRetries: 2 });
    h.pool
      .intercept({ path: `${SOURCES}/src/`, method: 'GET' })
      .reply(503, { detail: 'down for maintenance' })
      .times(3);
    const error = await rejection(h.client.getSource('src'));
    expect(error).toBeInstanceOf(PostHogApiError);
    expect(error).toMatchObject({ status: 503, outcome: 'could-not-run', code: 'posthog-server-error', message: 'down for maintenance' });
    expect(String(error.hint)).toMatch(/3 attempts/);
    expect(h.client.stats.requests).toBe(3);
  });

  it('does not retry a 500 (a bug, not an outage)', async () => {
    h = harness();
    h.pool
      .intercept({ path: `${SOURCES}/src/`, method: 'GET' })
      .reply(500, { type: 'server_error', code: 'error', detail: 'A server error occurred.', attr: null });
    const error = await rejection(h.client.getSource('src'));
    expect(error).toMatchObject({ status: 500, outcome: 'could-not-run' });
    expect(h.client.stats.requests).toBe(1);
  });

  it('reports PostHog unreachable (exit 3) once network retries are spent', async () => {
    h = harness({ maxRetries: 1 });
    h.pool
      .intercept({ path: `${SOURCES}/src/`, method: 'GET' })
      .replyWithError(netError('ECONNREFUSED'))
      .times(2);
    const error = await rejection(h.client.getSource('src'));
    expect(error).toBeInstanceOf(PostHogUnreachableError);
    expect(error).toMatchObject({ outcome: 'could-not-run', code: 'posthog-unreachable', reason: 'ECONNREFUSED' });
    expect(error.message).toMatch(/Could not reach PostHog at https:\/\/ph\.test \(ECONNREFUSED\) after 2 attempts/);
    expect(h.client.stats.requests).toBe(2);
  });

  it('does not retry a host name that does not resolve', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).replyWithError(netError('ENOTFOUND', 'getaddrinfo ENOTFOUND ph.test'));
    const error = await rejection(h.client.getSource('src'));
    expect(error).toBeInstanceOf(PostHogUnreachableError);
    expect(error.message).toMatch(/does not resolve/);
    expect(String(error.hint)).toMatch(/POSTHOG_HOST/);
    expect(h.client.stats.requests).toBe(1);
  });

  it('counts a 404 on a retried DELETE as success (the first attempt deleted it)', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'DELETE' }).replyWithError(netError('ECONNRESET'));
    h.pool
      .intercept({ path: `${SOURCES}/src/`, method: 'DELETE' })
      .reply(404, { type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null });
    await expect(h.client.deleteSource('src')).resolves.toBeUndefined();
    expect(h.client.stats.requests).toBe(2);
  });

  it('but a 404 on a first DELETE is an error (status 404, exit 1)', async () => {
    h = harness();
    h.pool
      .intercept({ path: `${SOURCES}/src/`, method: 'DELETE' })
      .reply(404, { type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null });
    expect(await rejection(h.client.deleteSource('src'))).toMatchObject({ status: 404, outcome: 'no', posthogCode: 'not_found' });
  });
});

describe('requests that must not be repeated (create, create_webhook, reload)', () => {
  it.each([500, 502, 503, 504])('create: a %i is ambiguous, and is not retried', async (status) => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/`, method: 'POST' }).reply(status, { detail: 'upstream trouble' });
    const error = await rejection(h.client.createSource(CREATE));
    expect(error).toBeInstanceOf(AmbiguousRequestError);
    expect(error).toMatchObject({ code: 'ambiguous-request', status, reason: `http-${status}`, posthogMessage: 'upstream trouble' });
    expect(error.message).toMatch(/may or may not have carried it out/);
    expect(error.message).toMatch(/look for a Postgres source with prefix "shop_"/);
    expect(sent(h.agent)).toEqual([`POST ${SOURCES}/`]);
  });

  it.each(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_HEADERS_TIMEOUT'])(
    'create: a connection lost after sending (%s) is ambiguous, exactly 1 request',
    async (code) => {
      h = harness();
      h.pool.intercept({ path: `${SOURCES}/`, method: 'POST' }).replyWithError(netError(code));
      const error = await rejection(h.client.createSource(CREATE));
      expect(error).toBeInstanceOf(AmbiguousRequestError);
      expect(error).toMatchObject({ reason: code, status: undefined });
      expect(h.client.stats.requests).toBe(1);
    },
  );

  it('create: a timeout after sending is ambiguous, exactly 1 request', async () => {
    h = harness({ timeoutMs: 20 });
    h.pool
      .intercept({ path: `${SOURCES}/`, method: 'POST' })
      .reply(201, { id: 'late' })
      .delay(500);
    const error = await rejection(h.client.createSource(CREATE));
    expect(error).toBeInstanceOf(AmbiguousRequestError);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(error.message).toMatch(/did not answer within 0.02s/);
    expect(h.client.stats.requests).toBe(1);
  });

  it('create IS retried on 429 (PostHog throttled before acting), honouring Retry-After', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/`, method: 'POST' }).reply(429, throttled, { headers: { 'retry-after': '7' } });
    h.pool.intercept({ path: `${SOURCES}/`, method: 'POST' }).reply(201, { id: 'new-id' });
    expect(await h.client.createSource(CREATE)).toEqual({ id: 'new-id' });
    expect(h.client.stats).toMatchObject({ requests: 2, retries: 1 });
    expect(h.sleeps).toEqual([7000]);
  });

  it('create IS retried when the connection was refused (never sent)', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/`, method: 'POST' }).replyWithError(netError('ECONNREFUSED'));
    h.pool.intercept({ path: `${SOURCES}/`, method: 'POST' }).replyWithError(netError('UND_ERR_CONNECT_TIMEOUT'));
    h.pool.intercept({ path: `${SOURCES}/`, method: 'POST' }).reply(201, { id: 'new-id' });
    expect(await h.client.createSource(CREATE)).toEqual({ id: 'new-id' });
    expect(h.client.stats.requests).toBe(3);
  });

  it.each([
    ['create_webhook', (hh: Harness) => hh.client.createWebhook('src'), `${SOURCES}/src/create_webhook/`, /webhook_info/],
    ['reload', (hh: Harness) => hh.client.reloadSource('src'), `${SOURCES}/src/reload/`, /schema statuses/],
    ['schema resync', (hh: Harness) => hh.client.resyncSchema('sch'), `/api/projects/4242/external_data_schemas/sch/resync/`, /schema's status/],
  ] as const)('%s: a 503 is ambiguous, with what to look up', async (_name, call, path, lookup) => {
    h = harness();
    h.pool.intercept({ path, method: 'POST' }).reply(503, '');
    const error = await rejection(call(h));
    expect(error).toBeInstanceOf(AmbiguousRequestError);
    expect(error.message).toMatch(lookup);
    expect(h.client.stats.requests).toBe(1);
  });

  it('a 4xx on create is an ordinary refusal (exit 1), not ambiguous', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/`, method: 'POST' }).reply(400, { message: 'Prefix already exists' });
    expect(await rejection(h.client.createSource(CREATE))).toMatchObject({
      name: 'PostHogApiError',
      status: 400,
      outcome: 'no',
      message: 'Prefix already exists',
    });
  });
});

describe('Retry-After (429)', () => {
  it('honours delta-seconds', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(429, throttled, { headers: { 'retry-after': '12' } });
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(200, SOURCE);
    await h.client.getSource('src');
    expect(h.sleeps).toEqual([12_000]);
  });

  it('honours an HTTP-date', async () => {
    h = harness();
    const at = new Date(NOW + 30_000).toUTCString();
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(429, throttled, { headers: { 'retry-after': at } });
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(200, SOURCE);
    await h.client.getSource('src');
    expect(h.sleeps).toEqual([30_000]);
  });

  it('refuses a Retry-After longer than the retry budget at once, and says so (exit 3), instead of waiting', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(429, throttled, { headers: { 'retry-after': '100000' } });
    const error = await rejection(h.client.getSource('src'));
    expect(h.sleeps).toEqual([]);
    expect(h.client.stats.requests).toBe(1);
    expect(error).toMatchObject({ name: 'PostHogUnreachableError', outcome: 'could-not-run' });
    expect(error.message).toMatch(/asked dwctl to wait 27h 47m \(Retry-After\), more than is left of this request's retry budget \(2m of 2m\); dwctl gave up/);
  });

  it('a Retry-After too large for a number is refused like any other', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(503, '', { headers: { 'retry-after': '9'.repeat(400) } });
    const error = await rejection(h.client.getSource('src'));
    expect(h.sleeps).toEqual([]);
    expect(error.message).toMatch(/wait forever \(Retry-After\)/);
  });

  it('the waits of one call share one budget: waits that fit are taken, the one that does not is refused', async () => {
    let clock = NOW;
    h = harness({ now: () => clock, sleep: async (ms) => void (clock += ms), retryBudgetMs: 100_000 });
    h.pool
      .intercept({ path: `${SOURCES}/src/`, method: 'GET' })
      .reply(503, '', { headers: { 'retry-after': '40' } })
      .times(3);
    const error = await rejection(h.client.getSource('src'));
    // 40 s + 40 s fit in 100 s; a third 40 s would end at 120 s.
    expect(h.client.stats.requests).toBe(3);
    expect(error.message).toMatch(/more than is left of this request's retry budget \(20s of 100s\)/);
  });

  it('announces a wait of several seconds (what, why, how long); short waits stay quiet', async () => {
    const notices: string[] = [];
    h = harness({ notice: (line) => notices.push(line) });
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(429, throttled, { headers: { 'retry-after': '12' } });
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(503, '', { headers: { 'retry-after': '1' } });
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(200, SOURCE);
    await h.client.getSource('src');
    expect(notices).toEqual([`Waiting 12s before retrying GET ${SOURCES}/src/: PostHog answered 429 (rate limited) with Retry-After 12s.`]);
  });

  it('backs off with jitter when there is no Retry-After', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(429, throttled);
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(429, throttled);
    h.pool.intercept({ path: `${SOURCES}/src/`, method: 'GET' }).reply(200, SOURCE);
    await h.client.getSource('src');
    expect(h.sleeps).toEqual([250, 500]);
  });

  it('pauses the other requests of the client too (the limit is per key)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sleeps: number[] = [];
    h = harness({
      sleep: async (ms) => {
        sleeps.push(ms);
        await gate;
      },
    });
    h.pool.intercept({ path: `${SOURCES}/a/`, method: 'GET' }).reply(429, throttled, { headers: { 'retry-after': '5' } });
    h.pool.intercept({ path: `${SOURCES}/a/`, method: 'GET' }).reply(200, SOURCE);
    h.pool.intercept({ path: `${SOURCES}/b/`, method: 'GET' }).reply(200, SOURCE);
    const a = h.client.getSource('a');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const b = h.client.getSource('b');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Both are held by the pause: the retry of a, and b, which had not started yet.
    expect(sleeps).toEqual([5000, 5000]);
    expect(h.client.stats.requests).toBe(1);
    release();
    await Promise.all([a, b]);
    expect(h.client.stats.requests).toBe(3);
  });

  it('after retries, a 429 exits 3 and says to wait', async () => {
    h = harness({ maxRetries: 1 });
    h.pool
      .intercept({ path: `${SOURCES}/src/`, method: 'GET' })
      .reply(429, throttled, { headers: { 'retry-after': '1' } })
      .times(2);
    const error = await rejection(h.client.getSource('src'));
    expect(error).toMatchObject({ status: 429, outcome: 'could-not-run', code: 'posthog-rate-limited' });
    expect(error.message).toMatch(/^Request was throttled\. Expected available in 7 seconds\. PostHog kept rate-limiting/);
  });
});

describe('shared limits', () => {
  /** Wrap the MockAgent so the test itself sees how many requests are in flight. */
  function counting(agent: MockAgent, seen: { inFlight: number; max: number }): Dispatcher {
    return agent.compose((dispatch) => (opts, handler) => {
      seen.inFlight++;
      seen.max = Math.max(seen.max, seen.inFlight);
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          seen.inFlight--;
        }
      };
      return dispatch(opts, {
        onRequestStart: (...args) => handler.onRequestStart?.(...args),
        onRequestUpgrade: (...args) => handler.onRequestUpgrade?.(...args),
        onResponseStart: (...args) => handler.onResponseStart?.(...args),
        onResponseData: (...args) => handler.onResponseData?.(...args),
        onResponseEnd: (...args) => {
          finish();
          return handler.onResponseEnd?.(...args);
        },
        onResponseError: (...args) => {
          finish();
          return handler.onResponseError?.(...args);
        },
      });
    });
  }

  it.each([1, 2, 4])('never has more than concurrency=%i requests in flight', async (concurrency) => {
    const seen = { inFlight: 0, max: 0 };
    const t = (h = harness({ concurrency }, (agent) => counting(agent, seen)));
    t.pool
      .intercept({ path: (p) => p.startsWith(`${SOURCES}/`), method: 'GET' })
      .reply(200, SOURCE)
      .delay(15)
      .times(12);
    await Promise.all(Array.from({ length: 12 }, (_, i) => t.client.getSource(`s${i}`)));
    expect(seen.max).toBe(concurrency);
    expect(seen.inFlight).toBe(0);
    expect(h.client.stats.maxInFlight).toBe(concurrency);
    expect(h.client.stats.requests).toBe(12);
  });

  it('keeps to the per-minute budget across calls', async () => {
    const t = (h = harness({ requestsPerMinute: 3 }));
    t.pool
      .intercept({ path: (p) => p.startsWith(`${SOURCES}/`), method: 'GET' })
      .reply(200, SOURCE)
      .times(5);
    await Promise.all(Array.from({ length: 5 }, (_, i) => t.client.getSource(`s${i}`)));
    // The clock stands still in the harness: the 4th and 5th wait for the window to move on.
    expect(h.sleeps).toEqual([60_000, 60_000]);
  });
});

describe('timeouts', () => {
  it('gives a GET that does not answer a deadline, does not try again, and reports PostHog unreachable naming the timeout', async () => {
    h = harness({ timeoutMs: 20, maxRetries: 1 });
    h.pool
      .intercept({ path: `${SOURCES}/src/`, method: 'GET' })
      .reply(200, SOURCE)
      .delay(500)
      .times(1);
    const started = Date.now();
    const error = await rejection(h.client.getSource('src'));
    expect(Date.now() - started).toBeLessThan(400);
    expect(error).toBeInstanceOf(PostHogUnreachableError);
    expect(error).toMatchObject({ reason: 'timeout', outcome: 'could-not-run' });
    expect(error.message).toMatch(/no answer within 0.02s, the request timeout/);
    expect(error.hint).toMatch(/--request-timeout SECONDS or DWCTL_REQUEST_TIMEOUT/);
    expect(h.client.stats.requests).toBe(1);
    expect(h.logs.map((l) => l.replace(/ \d+ms/, ' Nms'))).toEqual([`GET ${SOURCES}/src/ - Nms error timeout`]);
  });

  it('a slow answer within the deadline is fine', async () => {
    h = harness({ timeoutMs: 1000 });
    h.pool
      .intercept({ path: `${SOURCES}/src/`, method: 'GET' })
      .reply(200, SOURCE)
      .delay(30);
    await expect(h.client.getSource('src')).resolves.toMatchObject({ id: 'src' });
  });
});

describe('verbose log', () => {
  it('writes one line per attempt: method, path, status, time, retry number', async () => {
    h = harness();
    h.pool.intercept({ path: `${SOURCES}/?limit=100&offset=0`, method: 'GET' }).reply(503, '');
    h.pool.intercept({ path: `${SOURCES}/?limit=100&offset=0`, method: 'GET' }).reply(200, { count: 0, next: null, previous: null, results: [] });
    await h.client.listSources();
    expect(h.logs).toHaveLength(2);
    expect(h.logs[0]).toMatch(new RegExp(`^GET ${SOURCES}/\\?limit=100&offset=0 503 \\d+ms$`));
    expect(h.logs[1]).toMatch(new RegExp(`^GET ${SOURCES}/\\?limit=100&offset=0 200 \\d+ms retry 1$`));
  });
});

describe('programming errors surface as they are', () => {
  it('an unmatched MockAgent route is not mistaken for a network failure', async () => {
    h = harness();
    const error = await rejection(h.client.getSource('nowhere'));
    expect((error as { code?: string }).code).toBe('UND_MOCK_ERR_MOCK_NOT_MATCHED');
    expect(h.client.stats.requests).toBe(1);
  });
});
