import { describe, expect, it } from 'vitest';
import { RequestBudget, Semaphore } from '../../src/posthog/limits.js';
import { AttemptTimeout, backoffDelay, classifyNetworkError, parseRetryAfter } from '../../src/posthog/retry.js';
import { netError } from './helpers.js';

describe('Semaphore', () => {
  it('hands permits over in FIFO order and tracks the peak', async () => {
    const s = new Semaphore(2);
    const order: number[] = [];
    const r1 = await s.acquire();
    const r2 = await s.acquire();
    const waiting = [3, 4].map((n) => s.acquire().then((release) => (order.push(n), release)));
    r1();
    r1(); // a second release is ignored
    const r3 = await waiting[0]!;
    expect(order).toEqual([3]);
    r2();
    (await waiting[1]!)();
    r3();
    expect(order).toEqual([3, 4]);
    expect(s.maxInUse).toBe(2);
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

describe('RequestBudget', () => {
  it('lets perMinute requests through, then schedules the next when the oldest leaves the window', () => {
    let now = 1_000_000;
    const b = new RequestBudget(2, () => now);
    expect([b.reserve(), b.reserve(), b.reserve()]).toEqual([0, 0, 60_000]);
    // At +30 s the window already holds two starts (the third is booked for +60 s): wait for +60 s.
    now += 30_000;
    expect(b.reserve()).toBe(30_000);
    // At +90 s both +60 s starts are still in the window: the next slot is +120 s.
    now += 60_000;
    expect(b.reserve()).toBe(30_000);
    now += 90_000;
    expect(b.reserve()).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1);
  it.each([
    ['7', 7000],
    ['0', 0],
    [new Date(now + 42_000).toUTCString(), 42_000],
    [new Date(now - 5_000).toUTCString(), 0],
    ['86400', 86_400_000],
  ])('%s → %i ms', (value, ms) => expect(parseRetryAfter(value, now)).toBe(ms));

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
  });
});

describe('backoffDelay', () => {
  it('is full jitter over an exponential window with a cap', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, () => 0.999999))).toEqual([499, 999, 1999, 3999]);
    expect(backoffDelay(30, () => 0.5)).toBe(10_000);
    expect(backoffDelay(3, () => 0)).toBe(0);
  });
});

describe('classifyNetworkError', () => {
  it.each([
    ['ECONNREFUSED', true, false],
    ['UND_ERR_CONNECT_TIMEOUT', true, false],
    ['EAI_AGAIN', true, false],
    ['ENOTFOUND', true, true],
    ['CERT_HAS_EXPIRED', true, true],
    ['ECONNRESET', false, false],
    ['EPIPE', false, false],
    ['UND_ERR_SOCKET', false, false],
    ['UND_ERR_HEADERS_TIMEOUT', false, false],
  ])('%s: notSent=%s permanent=%s', (code, notSent, permanent) => {
    expect(classifyNetworkError(netError(code))).toEqual({ code, notSent, permanent });
  });

  it('reads the code from `cause` and knows its own timeout', () => {
    expect(classifyNetworkError(Object.assign(new Error('fetch failed'), { cause: netError('ECONNRESET') }))?.code).toBe('ECONNRESET');
    expect(classifyNetworkError(new AttemptTimeout(10))).toEqual({ code: 'timeout', notSent: false, permanent: true });
  });

  it('leaves programming errors alone', () => {
    expect(classifyNetworkError(new TypeError('bad'))).toBeUndefined();
    expect(classifyNetworkError(netError('UND_ERR_INVALID_ARG'))).toBeUndefined();
    expect(classifyNetworkError(netError('UND_MOCK_ERR_MOCK_NOT_MATCHED'))).toBeUndefined();
  });
});
