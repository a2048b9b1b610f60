/**
 * When to try a request again, and how long to wait first. The rules follow from what PostHog does with
 * a request it may have received: GETs and idempotent writes can be repeated; create-like POSTs only when
 * it is certain PostHog never acted (a 429, or a connection that was never made).
 */

/** Statuses that mean "not now": throttled (API.md §1 "Rate limits") or a gateway/overload answer. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * How long one API call may spend waiting and retrying in all, Retry-After included, by default. A server
 * that asks for a longer wait is refused at once (and the user told), rather than waited on in silence.
 */
export const DEFAULT_RETRY_BUDGET_MS = 120_000;

/** Waits at least this long are announced on stderr (what is waited for, why, how long). */
export const ANNOUNCED_WAIT_MS = 3_000;

/**
 * Network errors raised before a single byte of the request left: the connection was never made, so
 * PostHog cannot have acted and even a create may be sent again.
 */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

/** Errors that another attempt will not cure: a wrong host name or a TLS problem (proxy, certificate). */
const PERMANENT = new Set([
  'ENOTFOUND',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** A network failure as the retry logic sees it. */
export interface NetworkFailure {
  /** `ECONNRESET`, `UND_ERR_SOCKET`, `timeout`, … */
  code: string;
  /** The request certainly never reached PostHog. */
  notSent: boolean;
  /** Repeating cannot help. */
  permanent: boolean;
}

/** Marker for dwctl's own per-attempt deadline (AbortController reason). */
export class AttemptTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'AttemptTimeout';
  }
}

/**
 * Classify an error thrown by undici, or return undefined when it is not a network failure (then it is a
 * bug, e.g. an invalid argument or an unmatched MockAgent route, and must surface as is).
 */
export function classifyNetworkError(error: unknown): NetworkFailure | undefined {
  // A server that stayed silent for the whole deadline is not tried again: the user set (or accepted) that
  // deadline, and a hung PostHog must fail after it, not after several more.
  if (error instanceof AttemptTimeout) return { code: 'timeout', notSent: false, permanent: true };
  const code = errorCode(error) ?? errorCode((error as { cause?: unknown } | null)?.cause);
  if (code === undefined) return undefined;
  const network =
    /^E[A-Z]+$/.test(code) ||
    NOT_SENT.has(code) ||
    PERMANENT.has(code) ||
    /^(ERR_TLS_|ERR_SSL_|UND_ERR_(SOCKET|CLOSED|HEADERS_TIMEOUT|BODY_TIMEOUT|CONNECT_TIMEOUT|RES_CONTENT_LENGTH_MISMATCH|REQ_CONTENT_LENGTH_MISMATCH))/.test(
      code,
    ) ||
    /CERT/.test(code);
  if (!network) return undefined;
  return { code, notSent: NOT_SENT.has(code) || PERMANENT.has(code), permanent: PERMANENT.has(code) };
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The delay a `Retry-After` header asks for, in ms: either delta-seconds or an HTTP-date (RFC 9110
 * §10.2.3). Undefined when absent or unreadable; a past date means 0. Not capped: the caller weighs it
 * against its retry budget and refuses what does not fit.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.max(0, ms);
}

/** Exponential backoff with full jitter: a uniform delay in [0, min(cap, base·2^(retry-1))). */
export function backoffDelay(retry: number, random: () => number, baseMs = 500, capMs = 20_000): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.max(0, retry - 1)));
}
