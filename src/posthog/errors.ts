import type { Outcome } from '../outcome.js';
import { DwctlError } from '../errors.js';
import type { SecretMasker } from '../secrets.js';

/** Where a failed request went, for messages. `path` includes the query string; it never holds a secret. */
export interface RequestContext {
  method: string;
  path: string;
  /** The configured origin, e.g. `https://us.posthog.com` (for fix-it links). */
  host: string;
  projectId: string;
  /** The scope PostHog checks for this action (API.md §1 "Auth"). */
  scope: 'read' | 'write';
  /** Attempts made, retries included. */
  attempts: number;
}

/** What PostHog said, read from whichever of its error shapes it used (API.md §1 "Error body shapes"). */
export interface PostHogErrorBody {
  /** The text, verbatim and masked, or null when the body carried none. */
  message: string | null;
  /** drf-exceptions-hog: the field the error is about. */
  attr: string | null;
  /** drf-exceptions-hog `code` (`not_found`, `invalid_choice`, …). */
  posthogCode: string | null;
  /** drf-exceptions-hog `type` (`validation_error`, `authentication_error`, …). */
  type: string | null;
  /** An ad-hoc body's list of reasons beside its message (enable_cdc's `errors`, API.md §2.12), masked; [] when none. */
  errors: string[];
}

const SCOPES = 'the external_data_source:read and external_data_source:write scopes';

/**
 * PostHog answered, and not with success. `message` is PostHog's own text, verbatim with secrets masked
 * (plan shows it as `credentials-rejected`, contract §5), followed for 401/403 by what to fix; `hint`
 * names the request. Exit 3 when dwctl cannot go on at all (401, 403, 429, 5xx — the last two only once
 * retries are spent — a redirect, or an answer that is not PostHog's), else 1 (the answer was "no").
 */
export class PostHogApiError extends DwctlError {
  readonly code: string;
  readonly outcome: Outcome;
  /** PostHog's text as sent (masked), without anything dwctl added; null when there was none. */
  readonly posthogMessage: string | null;
  readonly attr: string | null;
  readonly posthogCode: string | null;
  readonly type: string | null;
  /** The reasons an ad-hoc body listed beside its message (enable_cdc's prerequisite errors), masked. */
  readonly posthogErrors: string[];

  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    message: string,
    options: { code: string; outcome: Outcome; body?: PostHogErrorBody; hint?: string },
  ) {
    super(message);
    this.name = 'PostHogApiError';
    this.code = options.code;
    this.outcome = options.outcome;
    this.posthogMessage = options.body?.message ?? null;
    this.attr = options.body?.attr ?? null;
    this.posthogCode = options.body?.posthogCode ?? null;
    this.type = options.body?.type ?? null;
    this.posthogErrors = options.body?.errors ?? [];
    if (options.hint) this.hint = options.hint;
  }
}

/**
 * PostHog could not be reached (DNS, refused, TLS, timeouts), after the retries that were safe to make.
 * Exit 3: nothing can be planned or applied without PostHog.
 */
export class PostHogUnreachableError extends DwctlError {
  readonly code = 'posthog-unreachable';
  readonly outcome = 'could-not-run';

  constructor(
    readonly method: string,
    readonly path: string,
    /** The network error code (`ECONNREFUSED`, `ENOTFOUND`, `timeout`, …). */
    readonly reason: string,
    message: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PostHogUnreachableError';
    if (options.hint) this.hint = options.hint;
  }
}

/**
 * A request that must not be sent twice (create, create_webhook, reload, …) was sent, and then the
 * connection dropped, timed out or PostHog failed (5xx): PostHog may or may not have acted. The client
 * never retries it; the caller must look first (the source by type and prefix with `findSource`, or
 * `webhookInfo`) and only then decide whether to send it again.
 */
export class AmbiguousRequestError extends DwctlError {
  readonly code = 'ambiguous-request';
  readonly outcome = 'could-not-run';
  /** The 5xx status when PostHog answered; undefined when the connection failed. */
  readonly status: number | undefined;
  /** PostHog's text with the 5xx (masked), if any. */
  readonly posthogMessage: string | null;

  constructor(
    readonly method: string,
    readonly path: string,
    /** The network error code, or `http-<status>` when PostHog answered with a 5xx. */
    readonly reason: string,
    message: string,
    options: { status?: number; posthogMessage?: string | null; cause?: unknown; hint?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AmbiguousRequestError';
    this.status = options.status;
    this.posthogMessage = options.posthogMessage ?? null;
    if (options.hint) this.hint = options.hint;
  }
}

/**
 * Read PostHog's error text from any of the shapes it uses (API.md §1): drf-exceptions-hog
 * `{type, code, detail, attr}`, ad-hoc `{message}` (+ `details` from create_webhook), `{detail}` from
 * schema actions, `{success: false, error}` from update_webhook_inputs, and — for tolerance — plain DRF
 * field errors `{"field": ["msg"]}` or a bare string. Never matches on the text itself.
 */
export function readErrorBody(body: unknown, masker: SecretMasker): PostHogErrorBody {
  const out: PostHogErrorBody = { message: null, attr: null, posthogCode: null, type: null, errors: [] };
  if (typeof body === 'string') {
    out.message = body.trim() === '' ? null : masker.mask(body);
    return out;
  }
  if (Array.isArray(body)) {
    const first = body.find((item) => typeof item === 'string');
    out.message = typeof first === 'string' ? masker.mask(first) : null;
    return out;
  }
  if (!body || typeof body !== 'object') return out;
  const o = body as Record<string, unknown>;
  out.attr = typeof o.attr === 'string' ? o.attr : null;
  out.posthogCode = typeof o.code === 'string' ? o.code : null;
  out.type = typeof o.type === 'string' ? o.type : null;
  if (Array.isArray(o.errors)) out.errors = o.errors.filter((e): e is string => typeof e === 'string').map((e) => masker.mask(e));

  let text: string | null = null;
  if (o.detail !== undefined && o.detail !== null) text = asText(o.detail);
  else if (o.message !== undefined && o.message !== null) {
    text = asText(o.message);
    const details = o.details === undefined || o.details === null ? null : asText(o.details);
    if (details) text = `${text}${/[.!?:]$/.test(text) ? '' : ':'} ${details}`;
  } else if (o.error !== undefined && o.error !== null) text = asText(o.error);
  else {
    // Plain DRF validation errors: {"field": ["message", …]}; report the first, naming the field.
    for (const [key, value] of Object.entries(o)) {
      const first = Array.isArray(value) ? value.find((v) => typeof v === 'string') : typeof value === 'string' ? value : undefined;
      if (typeof first === 'string') {
        text = key === 'non_field_errors' ? first : `${key}: ${first}`;
        if (key !== 'non_field_errors') out.attr ??= key;
        break;
      }
    }
  }
  out.message = text === null || text.trim() === '' ? null : masker.mask(text);
  return out;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(' ');
  return JSON.stringify(value);
}

/** What an HTTP failure means once no retry is left (exit 3 or 1, contract §4). */
export function outcomeForStatus(status: number): Outcome {
  if (status === 401 || status === 403 || status === 429 || status >= 500 || status < 400) return 'could-not-run';
  return 'no';
}

function codeForStatus(status: number): string {
  if (status === 401) return 'posthog-unauthorized';
  if (status === 403) return 'posthog-forbidden';
  if (status === 429) return 'posthog-rate-limited';
  if (status >= 500) return 'posthog-server-error';
  if (status < 400) return 'posthog-redirect';
  return 'posthog-api-error';
}

/** Join dwctl's advice to PostHog's sentence without touching PostHog's words. */
function followedBy(first: string, next: string): string {
  return /[.!?]$/.test(first.trimEnd()) ? `${first.trimEnd()} ${next}` : `${first.trimEnd()}. ${next}`;
}

/**
 * The error for a non-success answer. For 401 and 403 the message goes on to say which key and scope are
 * needed and where to fix that; for the rest it is PostHog's text alone, the request being in `hint`.
 */
export function apiErrorFromResponse(
  status: number,
  body: unknown,
  ctx: RequestContext,
  masker: SecretMasker,
  extra: { location?: string | undefined } = {},
): PostHogApiError {
  const parsed = readErrorBody(body, masker);
  const request = `${ctx.method} ${ctx.path}`;
  const said = parsed.message ?? `PostHog answered ${status} to ${request}`;
  const keysPage = `${ctx.host}/settings/user-api-keys`;
  let message: string;
  let hint: string | undefined = `PostHog answered ${status} to ${request}.`;

  if (status === 401) {
    message = followedBy(
      said,
      `PostHog did not accept the personal API key. Create a personal API key with ${SCOPES} at ${keysPage} and set POSTHOG_PERSONAL_API_KEY to it (a project key, phc_…, does not work here).`,
    );
  } else if (status === 403) {
    message = followedBy(
      said,
      `${request} needs the external_data_source:${ctx.scope} scope and access to project ${ctx.projectId}. ` +
        `Create a personal API key with ${SCOPES} for this project at ${keysPage} (or add them to your key there) and set POSTHOG_PERSONAL_API_KEY.`,
    );
  } else if (status === 429) {
    message = followedBy(
      said,
      `PostHog kept rate-limiting dwctl after ${ctx.attempts} attempts. Wait a minute and run again; every tool using the same key shares its limit (480 requests a minute).`,
    );
  } else if (status >= 500) {
    message = said;
    hint = `PostHog answered ${status} to ${request}${ctx.attempts > 1 ? ` (${ctx.attempts} attempts)` : ''}. PostHog may be having problems: try again later, and see https://status.posthog.com.`;
  } else if (status >= 300 && status < 400) {
    const target = extra.location ? ` to ${masker.mask(safeLocation(extra.location, ctx.host))}` : '';
    message =
      `PostHog answered ${request} with a redirect (${status})${target}. dwctl does not follow redirects, so the API key is only ever sent to ${ctx.host}. ` +
      'Check the host setting: it should be the address of your PostHog app, e.g. https://us.posthog.com or https://eu.posthog.com.';
    hint = undefined;
  } else {
    message = said;
  }
  // PostHog's text is masked already; the whole is masked again because the path (an id) is caller input.
  return new PostHogApiError(status, ctx.method, masker.mask(ctx.path), masker.mask(message), {
    code: codeForStatus(status),
    outcome: outcomeForStatus(status),
    body: parsed,
    ...(hint ? { hint: masker.mask(hint) } : {}),
  });
}

/** A redirect target reduced to origin and path: a query string could carry a token. */
function safeLocation(location: string, base: string): string {
  try {
    const url = new URL(location, base);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(an unreadable address)';
  }
}

/** PostHog answered 2xx with something that is not what the endpoint returns (e.g. an HTML page from a proxy). */
export function unexpectedResponse(status: number, ctx: RequestContext, what: string, masker: SecretMasker): PostHogApiError {
  return new PostHogApiError(
    status,
    ctx.method,
    masker.mask(ctx.path),
    masker.mask(
      `${ctx.host} answered ${ctx.method} ${ctx.path} with ${what}, not the JSON PostHog sends. Check that the host setting points at a PostHog instance (e.g. https://us.posthog.com).`,
    ),
    { code: 'posthog-unexpected-response', outcome: 'could-not-run' },
  );
}
