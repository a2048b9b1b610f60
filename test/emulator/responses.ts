/**
 * The two error body shapes PostHog returns (API.md §1 "Error body shapes") and a thrown form of each,
 * so handlers can refuse with `throw` and the router renders the exact body.
 */

export type HogType = 'validation_error' | 'authentication_error' | 'invalid_request' | 'throttled_error' | 'server_error';

export interface HogBody {
  type: HogType;
  code: string;
  detail: string;
  attr: string | null;
}

/** A finished HTTP answer: status, JSON body (undefined = empty body) and extra headers. */
export class HttpReply extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

/** drf-exceptions-hog body: `{type, code, detail, attr}`. */
export function hog(status: number, type: HogType, code: string, detail: string, attr: string | null = null): HttpReply {
  return new HttpReply(status, { type, code, detail, attr } satisfies HogBody);
}

/** A raised `ValidationError("msg")`: hog `validation_error` / `invalid_input` (the handler renames `invalid`). */
export function invalidInput(detail: string, attr: string | null = null): HttpReply {
  return hog(400, 'validation_error', 'invalid_input', detail, attr);
}

/** The ad-hoc `{"message": ...}` body most external_data_sources actions return directly. */
export function message(text: string, status = 400): HttpReply {
  return new HttpReply(status, { message: text });
}

export const notFound = (): HttpReply => hog(404, 'invalid_request', 'not_found', 'Not found.');

export const methodNotAllowed = (method: string): HttpReply =>
  hog(405, 'invalid_request', 'method_not_allowed', `Method "${method}" not allowed.`);

/** DRF serializer field error, e.g. `required` / "This field is required.". */
export function fieldError(attr: string, code: string, detail: string): HttpReply {
  return hog(400, 'validation_error', code, detail, attr);
}

export const requiredField = (attr: string): HttpReply => fieldError(attr, 'required', 'This field is required.');

export const invalidChoice = (attr: string, value: unknown): HttpReply =>
  fieldError(attr, 'invalid_choice', `"${String(value)}" is not a valid choice.`);

export function throttled(retryAfterSeconds: number): HttpReply {
  return new HttpReply(
    429,
    {
      type: 'throttled_error',
      code: 'throttled',
      detail: `Request was throttled. Expected available in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`,
      attr: null,
    } satisfies HogBody,
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
