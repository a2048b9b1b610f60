/**
 * Credential rotation (API.md §12). PostHog never returns secrets, so a plan cannot see that PostHog holds an
 * old password. Two things follow:
 *
 * - `--update-credentials NAME` asks for the source's whole resolved config, secrets included, to be sent
 *   (PATCH `job_inputs`; PostHog merges it over what it holds and re-validates). The plan shows it as a source
 *   update whose secret leaves are "(sensitive)".
 * - Without the flag, the plan looks for what CAN be observed: the source's or a table's latest error is an
 *   authentication failure while the file's credentials pass `database_schema`. Then it warns, naming the flag.
 */
import { isSecretPath, type SourceTypeInfo } from '../wizard/catalog.js';
import type { RemoteSourceInfo } from './observed.js';
import { SENSITIVE } from './types.js';

/** What the plan shows for a stored secret: PostHog holds one, nobody can read it. */
export const STORED_SECRET = '(stored in PostHog)';

/**
 * Error texts of the kind "the credentials were refused", from the databases and APIs PostHog connects to and
 * from PostHog's own friendly wording. Matched loosely (API.md §0: messages differ between versions and
 * drivers): each pattern is a phrase, never a whole message.
 */
const AUTH_FAILURE_PATTERNS: readonly RegExp[] = [
  /password authentication failed/i, // PostgreSQL
  /\bauthentication failed\b/i, // PostgreSQL (other methods), MongoDB, SSH
  /access denied for user/i, // MySQL
  /login failed for user/i, // SQL Server
  /rejected the username or password/i, // PostHog's friendly text
  /invalid (?:api[ _-]?)?key|invalid_api_key|api key (?:is )?(?:invalid|expired|revoked)/i, // Stripe and other APIs
  /expired (?:api[ _-]?)?(?:key|token|credentials)|(?:key|token|credentials) (?:has |have )?expired/i,
  /\bunauthori[sz]ed\b/i,
  /invalid (?:credentials|username or password|password)/i,
  /incorrect (?:username or password|password)/i,
  /\binvalid_grant\b/i,
];

export function isAuthenticationFailure(message: string | null | undefined): boolean {
  return typeof message === 'string' && AUTH_FAILURE_PATTERNS.some((p) => p.test(message));
}

/** Where PostHog recorded an authentication failure for the source (its own error first, then its tables'). */
export function storedCredentialsFailure(remote: RemoteSourceInfo): { where: string; error: string } | undefined {
  if (isAuthenticationFailure(remote.latest_error)) return { where: 'the source', error: remote.latest_error! };
  const table = [...remote.schemas].sort((a, b) => a.name.localeCompare(b.name)).find((s) => isAuthenticationFailure(s.latest_error));
  return table ? { where: `table ${table.name}`, error: table.latest_error! } : undefined;
}

/**
 * The source update `--update-credentials` plans: the whole config as it will be sent, secrets masked, next to
 * what PostHog holds (non-secret values as read, secrets as "(stored in PostHog)").
 */
export function credentialUpdate(maskedConfig: Record<string, unknown>, remoteInputs: Record<string, unknown>, info: SourceTypeInfo | undefined): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const beforeOf = (want: unknown, have: unknown, path: string[]): unknown => {
    if (info && isSecretPath(info, path)) return want === SENSITIVE ? STORED_SECRET : (have ?? null);
    if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
      const haveObject = have !== null && typeof have === 'object' && !Array.isArray(have) ? (have as Record<string, unknown>) : {};
      return Object.fromEntries(Object.entries(want as Record<string, unknown>).map(([k, v]) => [k, beforeOf(v, haveObject[k], [...path, k])]));
    }
    return have ?? null;
  };
  return { before: beforeOf(maskedConfig, remoteInputs, []) as Record<string, unknown>, after: maskedConfig };
}

/** The warning's text: PostHog's error is quoted, shortened (it comes from another system). */
export function storedCredentialsWarning(source: string, failure: { where: string; error: string }): string {
  const error = failure.error.length > 300 ? `${failure.error.slice(0, 300)}…` : failure.error;
  return `PostHog's last sync of ${source} failed to authenticate (${failure.where}: ${error}) while the file's credentials work: PostHog still holds the old ones, and reads never show secrets. Send the file's credentials with \`dwctl plan --update-credentials ${source}\`, then \`dwctl apply --update-credentials ${source}\`.`;
}
