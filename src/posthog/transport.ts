import { request, type Dispatcher } from 'undici';
import type { SecretMasker } from '../secrets.js';
import { VERSION } from '../version.js';
import { AmbiguousRequestError, PostHogUnreachableError, apiErrorFromResponse, readErrorBody, unexpectedResponse, type RequestContext } from './errors.js';
import { RequestBudget, Semaphore } from './limits.js';
import {
  ANNOUNCED_WAIT_MS,
  AttemptTimeout,
  RETRYABLE_STATUSES,
  backoffDelay,
  classifyNetworkError,
  parseRetryAfter,
  type NetworkFailure,
} from './retry.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One API call, as the endpoint methods describe it to the transport. */
export interface RequestSpec {
  /** The client method making the call (`listSources`, …), for `stats.byOperation`. */
  operation: string;
  method: HttpMethod;
  /** Under `/api/projects/{projectId}/`, with its trailing slash, ids already encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * Safe to send twice (GET, PATCH, DELETE and the idempotent POST actions). When false the request is
   * only repeated when PostHog certainly did not act (429, or a connection never made); any doubt after
   * sending becomes an AmbiguousRequestError.
   */
  repeatable: boolean;
  /** The scope PostHog checks for this action (API.md §1 "Auth"), named in 403 messages. */
  scope: 'read' | 'write';
  /** For an ambiguous failure: what the caller should look at before sending it again. */
  lookup?: string;
}

export interface HttpResult {
  status: number;
  /** Parsed JSON, or undefined for an empty body (204, reload's bare 200). */
  body: unknown;
}

/** Request counts, for `--verbose` summaries and tests that pin how many calls a command makes. */
export interface ClientStats {
  /** Requests sent, retries included. */
  requests: number;
  /** Of those, how many were retries. */
  retries: number;
  /** Requests by HTTP method. */
  byMethod: Record<string, number>;
  /** Requests by client method (`listSources`, `databaseSchema`, …). */
  byOperation: Record<string, number>;
  /** The most requests that were ever in flight at once. */
  maxInFlight: number;
}

export interface TransportOptions {
  host: string;
  projectId: string;
  apiKey: string;
  masker: SecretMasker;
  dispatcher?: Dispatcher | undefined;
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
  requestsPerMinute: number;
  /** Requests started per sliding hour (PostHog's sustained limit, API.md §1). */
  requestsPerHour: number;
  /** Total time one call may spend on waits and retries, Retry-After included. */
  retryBudgetMs: number;
  /** Largest response body read; a longer one is cut off and refused. */
  maxResponseBytes: number;
  log?: ((line: string) => void) | undefined;
  /** Always-on notices (stderr): a wait of several seconds says what it waits for, why and how long. */
  notice?: ((line: string) => void) | undefined;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

/** What one attempt produced. */
type Outcome =
  | { kind: 'response'; status: number; headers: Record<string, string | string[] | undefined>; text: string }
  | { kind: 'network'; failure: NetworkFailure; error: unknown }
  | { kind: 'too-large'; status: number };

/** Sizes in messages: "32 MiB". */
function mebibytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/** Durations in messages: "12s", "27h 46m". */
export function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return 'forever';
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`;
}

/**
 * Sends requests to one PostHog project: authorisation, JSON, timeouts, retries, and the concurrency and
 * per-minute limits shared by every call. Only ever talks to the configured origin: URLs are built here
 * from the host and a relative path, and undici's `request` follows no redirects.
 */
export class Transport {
  readonly host: string;
  readonly projectId: string;
  private readonly semaphore: Semaphore;
  private readonly budget: RequestBudget;
  private readonly hourlyBudget: RequestBudget;
  /** Set by a 429: no request of this client starts before then (PostHog's limit is per key, not per call). */
  private pausedUntil = 0;
  private readonly counts = { requests: 0, retries: 0, byMethod: {} as Record<string, number>, byOperation: {} as Record<string, number> };

  constructor(private readonly options: TransportOptions) {
    this.host = options.host;
    this.projectId = options.projectId;
    this.semaphore = new Semaphore(options.concurrency);
    this.budget = new RequestBudget(options.requestsPerMinute, options.now);
    this.hourlyBudget = new RequestBudget(options.requestsPerHour, options.now, 3_600_000);
    // Registered here too, so no message or log line of this client can show the key, whoever built it.
    options.masker.add(options.apiKey);
  }

  get stats(): ClientStats {
    return {
      requests: this.counts.requests,
      retries: this.counts.retries,
      byMethod: { ...this.counts.byMethod },
      byOperation: { ...this.counts.byOperation },
      maxInFlight: this.semaphore.maxInUse,
    };
  }

  /** The path as it appears in messages and logs: `/api/projects/{id}/…?query`. */
  private fullPath(spec: RequestSpec): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query ?? {})) if (value !== undefined) search.set(key, String(value));
    const query = search.toString();
    return `/api/projects/${this.projectId}/${spec.path}${query ? `?${query}` : ''}`;
  }

  /** Send one API call, retrying what is safe to retry; resolves only with a 2xx. */
  async send(spec: RequestSpec): Promise<HttpResult> {
    const path = this.fullPath(spec);
    const { maxRetries, masker } = this.options;
    // Every wait of this call (backoff, Retry-After) must fit before this deadline, or the call gives up.
    const deadline = this.options.now() + this.options.retryBudgetMs;
    // Once an attempt may have reached PostHog, a later 404 on DELETE means that attempt did the deleting.
    let mayHaveActed = false;
    for (let attempt = 1; ; attempt++) {
      const ctx: RequestContext = { method: spec.method, path, host: this.host, projectId: this.projectId, scope: spec.scope, attempts: attempt };
      const outcome = await this.attempt(spec, path, attempt);
      const canRetry = attempt <= maxRetries;

      if (outcome.kind === 'too-large') {
        // The request was carried out or refused; for a create, which of the two is unknown now.
        if (!spec.repeatable && outcome.status < 400) throw this.ambiguous(spec, path, 'body-too-large', undefined, null, undefined);
        throw this.tooLarge(spec, path, outcome.status);
      }
      if (outcome.kind === 'network') {
        const { failure } = outcome;
        if (!spec.repeatable && !failure.notSent) throw this.ambiguous(spec, path, failure.code, undefined, null, outcome.error);
        if (failure.permanent || !canRetry) throw this.unreachable(spec, path, failure, attempt, outcome.error);
        if (!failure.notSent) mayHaveActed = true;
        const wait = backoffDelay(attempt, this.options.random);
        if (!this.fitsBudget(wait, deadline)) throw this.unreachable(spec, path, failure, attempt, outcome.error);
        await this.wait(wait, `retrying ${spec.method} ${path}`, `the connection failed (${failure.code})`);
        continue;
      }

      const { status, headers, text } = outcome;
      if (status >= 200 && status < 300) return { status, body: parseBody(text, status, ctx, masker) };
      if (spec.method === 'DELETE' && status === 404 && mayHaveActed) return { status: 204, body: undefined };

      const body = parseLenient(text);
      if (status >= 500 && !spec.repeatable) {
        const said = readErrorBody(body, masker).message;
        throw this.ambiguous(spec, path, `http-${status}`, status, said, undefined);
      }
      if (RETRYABLE_STATUSES.has(status) && canRetry) {
        const retryAfter = parseRetryAfter(headers['retry-after'], this.options.now());
        const wait = retryAfter ?? backoffDelay(attempt, this.options.random);
        if (!this.fitsBudget(wait, deadline)) throw this.waitRefused(spec, path, status, wait, retryAfter !== undefined, deadline);
        const why = `PostHog answered ${status}${status === 429 ? ' (rate limited)' : ''}${retryAfter !== undefined ? ` with Retry-After ${seconds(retryAfter)}` : ''}`;
        if (status === 429) {
          // 429 is certain: PostHog throttled before acting, so even a create may go again. The pause applies
          // to every request of this client, since PostHog counts per key.
          this.announce(wait, `retrying ${spec.method} ${path}`, why);
          this.pausedUntil = Math.max(this.pausedUntil, this.options.now() + wait);
        } else {
          mayHaveActed = true;
          await this.wait(wait, `retrying ${spec.method} ${path}`, why);
        }
        continue;
      }
      const location = headers.location;
      throw apiErrorFromResponse(status, body, ctx, masker, { location: Array.isArray(location) ? location[0] : location });
    }
  }

  /** Whether a wait of `ms` still leaves the call inside its retry budget. */
  private fitsBudget(ms: number, deadline: number): boolean {
    return this.options.now() + ms <= deadline;
  }

  /** Sleep, saying so on stderr first when the wait is long enough to look like a hang. */
  private async wait(ms: number, what: string, why: string): Promise<void> {
    this.announce(ms, what, why);
    await this.options.sleep(ms);
  }

  private announce(ms: number, what: string, why: string): void {
    if (ms < ANNOUNCED_WAIT_MS || !this.options.notice) return;
    this.options.notice(this.options.masker.mask(`Waiting ${seconds(ms)} before ${what}: ${why}.`));
  }

  /** One attempt under the shared limits. Never throws for HTTP or network failures: it reports them. */
  private async attempt(spec: RequestSpec, path: string, attempt: number): Promise<Outcome> {
    const release = await this.semaphore.acquire();
    try {
      // The 429 that set a pause was announced where it happened; this only holds the request back.
      const paused = this.pausedUntil - this.options.now();
      if (paused > 0) await this.options.sleep(paused);
      const perMinute = this.budget.reserve();
      if (perMinute > 0) await this.wait(perMinute, `${spec.method} ${path}`, `dwctl keeps under PostHog's rate limit (${this.options.requestsPerMinute} requests a minute)`);
      const perHour = this.hourlyBudget.reserve();
      if (perHour > 0) await this.wait(perHour, `${spec.method} ${path}`, `dwctl keeps under PostHog's hourly rate limit (${this.options.requestsPerHour} requests an hour)`);

      this.counts.requests++;
      if (attempt > 1) this.counts.retries++;
      this.counts.byMethod[spec.method] = (this.counts.byMethod[spec.method] ?? 0) + 1;
      this.counts.byOperation[spec.operation] = (this.counts.byOperation[spec.operation] ?? 0) + 1;

      const started = performance.now();
      const outcome = await this.exchange(spec, path);
      const ms = Math.round(performance.now() - started);
      this.logAttempt(spec.method, path, outcome, ms, attempt);
      return outcome;
    } finally {
      release();
    }
  }

  /** The HTTP exchange itself, body included, under one deadline. */
  private async exchange(spec: RequestSpec, path: string): Promise<Outcome> {
    const { timeoutMs, apiKey, dispatcher, maxResponseBytes } = this.options;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimeout(timeoutMs)), timeoutMs);
    const headers: Record<string, string> = {
      authorization: `Bearer ${apiKey}`,
      accept: 'application/json',
      'user-agent': `dwctl/${VERSION}`,
    };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    try {
      // Always the configured origin; no redirect is followed (undici `request` has none), so the key stays here.
      const response = await request(`${this.host}${path}`, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? null : JSON.stringify(spec.body),
        signal: controller.signal,
        ...(dispatcher ? { dispatcher } : {}),
      });
      // Read under a cap: a body is kept in memory whole, so a hostile or broken server could exhaust it.
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxResponseBytes) {
        response.body.destroy();
        return { kind: 'too-large', status: response.statusCode };
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > maxResponseBytes) {
          response.body.destroy();
          return { kind: 'too-large', status: response.statusCode };
        }
        chunks.push(chunk as Buffer);
      }
      const text = Buffer.concat(chunks, size).toString('utf8');
      return { kind: 'response', status: response.statusCode, headers: response.headers, text };
    } catch (error) {
      const failure = classifyNetworkError(controller.signal.aborted ? controller.signal.reason : error);
      if (!failure) throw error;
      return { kind: 'network', failure, error };
    } finally {
      clearTimeout(timer);
    }
  }

  private logAttempt(method: string, path: string, outcome: Outcome, ms: number, attempt: number): void {
    const { log, masker } = this.options;
    if (!log) return;
    const status = outcome.kind === 'network' ? '-' : String(outcome.status);
    const retry = attempt > 1 ? ` retry ${attempt - 1}` : '';
    const error = outcome.kind === 'network' ? ` error ${outcome.failure.code}` : outcome.kind === 'too-large' ? ' error body-too-large' : '';
    // Method, path, status and time only: headers and bodies can carry secrets.
    log(masker.mask(`${method} ${path} ${status} ${ms}ms${retry}${error}`));
  }

  private ambiguous(spec: RequestSpec, path: string, reason: string, status: number | undefined, said: string | null, cause: unknown): AmbiguousRequestError {
    const what =
      status !== undefined
        ? `PostHog answered ${status}${said ? ` ("${said}")` : ''}`
        : reason === 'body-too-large'
          ? `PostHog's answer was larger than dwctl's limit of ${mebibytes(this.options.maxResponseBytes)} and was not read`
          : reason === 'timeout'
          ? `PostHog did not answer within ${this.options.timeoutMs / 1000}s (the request timeout: --request-timeout or DWCTL_REQUEST_TIMEOUT)`
          : `the connection failed (${reason})`;
    const message = this.options.masker.mask(
      `${spec.method} ${path} was sent, then ${what}, so PostHog may or may not have carried it out. dwctl does not send it again blindly` +
        `${spec.lookup ? `: ${spec.lookup} first` : ': check the result in PostHog first'}.`,
    );
    return new AmbiguousRequestError(spec.method, this.options.masker.mask(path), reason, message, {
      ...(status !== undefined ? { status } : {}),
      posthogMessage: said,
      cause,
    });
  }

  private unreachable(spec: RequestSpec, path: string, failure: NetworkFailure, attempts: number, cause: unknown): PostHogUnreachableError {
    const why =
      failure.code === 'timeout'
        ? `no answer within ${this.options.timeoutMs / 1000}s, the request timeout`
        : failure.code === 'ENOTFOUND'
          ? 'the host name does not resolve'
          : /CERT|TLS|SSL/.test(failure.code)
            ? `TLS problem ${failure.code}: a proxy or certificate between you and PostHog`
            : failure.code;
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    const message = this.options.masker.mask(`Could not reach PostHog at ${this.host} (${why})${tries} for ${spec.method} ${path}.`);
    const hint =
      failure.code === 'timeout'
        ? `Raise the timeout with --request-timeout SECONDS or DWCTL_REQUEST_TIMEOUT if PostHog is just slow; else check your network and proxy (HTTPS_PROXY, NO_PROXY) and https://status.posthog.com.`
        : `Check the host setting (--host, POSTHOG_HOST or posthog.host; now ${this.host}), your network and proxy (HTTPS_PROXY, NO_PROXY), and https://status.posthog.com.`;
    return new PostHogUnreachableError(spec.method, this.options.masker.mask(path), failure.code, message, { cause, hint });
  }

  /** A body over the cap: not PostHog as it answers these calls, so nothing of it is used. */
  private tooLarge(spec: RequestSpec, path: string, status: number): PostHogUnreachableError {
    const cap = mebibytes(this.options.maxResponseBytes);
    const message = this.options.masker.mask(
      `PostHog's answer (HTTP ${status}) to ${spec.method} ${path} is larger than dwctl's limit of ${cap} for one response; dwctl stopped reading it.`,
    );
    return new PostHogUnreachableError(spec.method, this.options.masker.mask(path), 'body-too-large', message, {
      hint: `Check that ${this.host} is PostHog (a proxy or another server may be answering).`,
    });
  }

  /** PostHog asked for a wait that does not fit in the call's retry budget: refuse it, and say so. */
  private waitRefused(spec: RequestSpec, path: string, status: number, wait: number, fromHeader: boolean, deadline: number): PostHogUnreachableError {
    const left = Math.max(0, deadline - this.options.now());
    const asked = fromHeader ? `asked dwctl to wait ${seconds(wait)} (Retry-After)` : `needs a wait of ${seconds(wait)}`;
    const message = this.options.masker.mask(
      `PostHog answered ${status} to ${spec.method} ${path} and ${asked}, more than is left of this request's retry budget (${seconds(left)} of ${seconds(this.options.retryBudgetMs)}); dwctl gave up instead of waiting.`,
    );
    return new PostHogUnreachableError(spec.method, this.options.masker.mask(path), `http-${status}`, message, {
      hint: status === 429 ? 'PostHog is rate-limiting this API key (480 requests a minute, 4800 an hour); run again later.' : 'Run again later; see https://status.posthog.com.',
    });
  }
}

/** A success body: JSON, or nothing. Anything else is not PostHog talking. */
function parseBody(text: string, status: number, ctx: RequestContext, masker: SecretMasker): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw unexpectedResponse(status, ctx, /^\s*</.test(text) ? 'an HTML page' : 'a body that is not JSON', masker);
  }
}

/** An error body: JSON when it is, else the text (a proxy's page, a bare message). */
function parseLenient(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // An HTML error page says nothing useful in one line; plain text does.
    return /^\s*</.test(text) ? undefined : text.slice(0, 500);
  }
}
