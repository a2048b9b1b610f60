/**
 * Personal-API-key authentication, project access and scopes (API.md §1 "Auth"), plus the per-key
 * BurstRateThrottle (480/minute by default, API.md §1 "Rate limits").
 */
import type { IncomingMessage } from 'node:http';

import { hog, type HttpReply, throttled } from './responses.js';

export interface KeySpec {
  /** null = legacy unscoped key: may do anything. */
  scopes: string[] | null;
  /** Projects the key may reach (all when omitted). */
  projects?: number[];
}

/** The key from `Authorization: Bearer`, or the `personal_api_key` query/body fallback. */
export function presentedKey(req: IncomingMessage, query: URLSearchParams, body: unknown): string | null {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match ? match[1]!.trim() : header.trim();
  }
  const fromQuery = query.get('personal_api_key');
  if (fromQuery) return fromQuery;
  const fromBody = (body as { personal_api_key?: unknown } | null)?.personal_api_key;
  return typeof fromBody === 'string' ? fromBody : null;
}

/** Throws the 401/403 PostHog gives; returns nothing when the key may perform the action. */
export function authorize(
  keys: Record<string, KeySpec>,
  key: string | null,
  requestedProject: string,
  projectId: number,
  needed: 'read' | 'write' | 'none',
): void {
  if (!key) throw hog(401, 'authentication_error', 'not_authenticated', 'Authentication credentials were not provided.');
  const spec = keys[key];
  if (!spec || key.startsWith('phc_')) {
    throw hog(401, 'authentication_error', 'authentication_failed', 'Personal API key found in request Authorization header is invalid.');
  }
  const targetsProject = requestedProject === '@current' ? projectId : Number(requestedProject);
  if (spec.projects && !spec.projects.includes(targetsProject)) {
    throw hog(403, 'authentication_error', 'permission_denied', `API key does not have access to the requested project '${requestedProject}'`);
  }
  // TRICKY (posthog/permissions.py APIScopePermission): legacy keys without scopes may do anything,
  // even actions in no scope list; a scoped key calling such an action is refused.
  if (spec.scopes === null) return;
  if (needed === 'none') throw hog(403, 'authentication_error', 'permission_denied', 'This action does not support Personal API Key access');
  const scopes = new Set(spec.scopes);
  const ok = scopes.has('*') || scopes.has('external_data_source:write') || (needed === 'read' && scopes.has('external_data_source:read'));
  if (!ok) throw hog(403, 'authentication_error', 'permission_denied', `API key missing required scope 'external_data_source:${needed}'`);
}

/** Sliding one-minute window per key. */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly perMinute: number) {}

  /** Record a request; returns the 429 refusal when the key is over its budget. */
  hit(key: string, now = Date.now()): HttpReply | null {
    const windowStart = now - 60_000;
    const hits = (this.windows.get(key) ?? []).filter((t) => t > windowStart);
    if (hits.length >= this.perMinute) {
      this.windows.set(key, hits);
      const waitSeconds = Math.max(1, Math.ceil((hits[0]! + 60_000 - now) / 1000));
      return throttled(waitSeconds);
    }
    hits.push(now);
    this.windows.set(key, hits);
    return null;
  }

  clear(): void {
    this.windows.clear();
  }
}
