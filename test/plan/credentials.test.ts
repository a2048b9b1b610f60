import { describe, expect, it } from 'vitest';
import { credentialUpdate, isAuthenticationFailure, storedCredentialsFailure, STORED_SECRET } from '../../src/plan/credentials.js';
import type { RemoteSourceInfo } from '../../src/plan/observed.js';
import { bundledCatalog } from '../../src/sources/catalog.js';

describe('authentication failures are recognised by phrase, across drivers and versions (API.md §0, §12)', () => {
  it.each([
    'connection to server at "db.internal" (10.0.0.4), port 5432 failed: FATAL:  password authentication failed for user "dwh"',
    'FATAL: PAM authentication failed for user "dwh"',
    "(1045, \"Access denied for user 'dwh'@'10.0.0.4' (using password: YES)\")",
    "Login failed for user 'dwh'.",
    'The database rejected the username or password. Check the user and password for this source and try again.',
    'Invalid API Key provided: rk_live_****1234',
    'Your API key has expired.',
    'Request failed: 401 Unauthorized',
    'invalid_grant: Token has been expired or revoked.',
  ])('%s', (message) => {
    expect(isAuthenticationFailure(message)).toBe(true);
  });

  it.each([
    'relation "orders" is locked by another session',
    'connection to server at "db.internal", port 5432 failed: timeout expired',
    'permission denied for table orders',
    'Billing limits reached',
    '',
  ])('not: %s', (message) => {
    expect(isAuthenticationFailure(message)).toBe(false);
  });

  it('null and undefined are not failures', () => {
    expect(isAuthenticationFailure(null)).toBe(false);
    expect(isAuthenticationFailure(undefined)).toBe(false);
  });
});

describe('storedCredentialsFailure', () => {
  const remote = (sourceError: string | null, tables: [string, string | null][]): RemoteSourceInfo => ({
    id: 's', source_type: 'Postgres', prefix: 'p_', description: null, latest_error: sourceError,
    schemas: tables.map(([name, error]) => ({ id: name, name, should_sync: true, sync_type: 'full_refresh', latest_error: error })),
  });

  it("prefers the source's own error, then the first table by name", () => {
    expect(storedCredentialsFailure(remote('password authentication failed for user "a"', [['b', 'password authentication failed']]))!.where).toBe('the source');
    expect(storedCredentialsFailure(remote(null, [['users', 'password authentication failed'], ['orders', 'Access denied for user x']]))).toEqual({ where: 'table orders', error: 'Access denied for user x' });
  });

  it('other errors are not credential problems', () => {
    expect(storedCredentialsFailure(remote('relation "orders" does not exist', [['orders', null]]))).toBeUndefined();
  });
});

describe('credentialUpdate', () => {
  it('shows every leaf PostHog will get: secrets as stored vs (sensitive), the rest as read', () => {
    const info = bundledCatalog().get('Postgres');
    const update = credentialUpdate({ host: 'db', port: 5432, user: 'dwh', password: '(sensitive)' }, { host: 'db', port: 5432, user: 'dwh' }, info);
    expect(update.before).toEqual({ host: 'db', port: 5432, user: 'dwh', password: STORED_SECRET });
    expect(update.after).toEqual({ host: 'db', port: 5432, user: 'dwh', password: '(sensitive)' });
  });
});
