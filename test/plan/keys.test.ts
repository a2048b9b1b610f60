import { describe, expect, it } from 'vitest';
import { keyForSwitch, lacksIncrementalKey, refusesKeyChange } from '../../src/plan/keys.js';
import type { DiscoveredTableInfo } from '../../src/plan/observed.js';

const table = (columns: string[], detected: string[] | null): DiscoveredTableInfo => ({
  table: 't', incremental_fields: [], incremental_available: true, append_available: true, cdc_available: true, rows: null,
  supports_webhooks: false, webhook_only: false, detected_primary_keys: detected, permission_error: null,
  available_columns: columns.map((field) => ({ field, type: 'text' })),
});

describe('lacksIncrementalKey (API.md §2.3 step 16)', () => {
  it('incremental with no detected, declared or id column', () => {
    expect(lacksIncrementalKey('incremental', null, table(['actor', 'at'], null))).toBe(true);
  });
  it('an id column in any case, a detected key or a declared key satisfies it', () => {
    expect(lacksIncrementalKey('incremental', null, table(['ID', 'at'], null))).toBe(false);
    expect(lacksIncrementalKey('incremental', null, table(['a'], ['a']))).toBe(false);
    expect(lacksIncrementalKey('incremental', ['actor'], table(['actor'], null))).toBe(false);
  });
  it('append is never checked, nor a table whose columns discovery did not list', () => {
    expect(lacksIncrementalKey('append', null, table(['actor'], null))).toBe(false);
    expect(lacksIncrementalKey('incremental', null, table([], null))).toBe(false);
  });
});

describe('keyForSwitch (API.md §12: a CDC/xmin switch needs a key in the request or stored)', () => {
  it('sends the declared key, else the detected one, when none is stored', () => {
    expect(keyForSwitch('xmin', { sync_type: 'full_refresh', primary_key_columns: null }, null, ['code'])).toEqual(['code']);
    expect(keyForSwitch('cdc', { sync_type: 'incremental', primary_key_columns: [] }, ['a', 'b'], ['code'])).toEqual(['a', 'b']);
  });
  it('sends nothing when a key is stored, the type is unchanged, or the target needs none', () => {
    expect(keyForSwitch('cdc', { sync_type: 'incremental', primary_key_columns: ['id'] }, null, ['id'])).toBeUndefined();
    expect(keyForSwitch('xmin', { sync_type: 'xmin', primary_key_columns: null }, null, ['id'])).toBeUndefined();
    expect(keyForSwitch('incremental', { sync_type: 'full_refresh', primary_key_columns: null }, null, ['id'])).toBeUndefined();
    expect(keyForSwitch('cdc', { sync_type: 'full_refresh', primary_key_columns: null }, null, null)).toBeUndefined();
  });
});

describe('refusesKeyChange (API.md §2.13)', () => {
  const synced = { last_synced_at: '2026-12-01T00:00:00Z' };
  it('incremental: a different key than the stored one, after data synced', () => {
    expect(refusesKeyChange('incremental', ['id', 'x'], { ...synced, primary_key_columns: ['id'] })).toBe(true);
    expect(refusesKeyChange('incremental', ['id'], { ...synced, primary_key_columns: ['id'] })).toBe(false);
    expect(refusesKeyChange('incremental', ['id', 'x'], { primary_key_columns: ['id'], last_synced_at: null, table: null })).toBe(false);
    expect(refusesKeyChange('incremental', ['id'], { ...synced, primary_key_columns: null })).toBe(false);
  });
  it('cdc/xmin: a key differing from a stored one; none stored is not locked (API.md §12)', () => {
    expect(refusesKeyChange('xmin', ['code'], { ...synced, primary_key_columns: null })).toBe(false);
    expect(refusesKeyChange('xmin', ['code'], { ...synced, primary_key_columns: ['id'] })).toBe(true);
    expect(refusesKeyChange('cdc', ['id'], { ...synced, primary_key_columns: ['id'] })).toBe(false);
    expect(refusesKeyChange('append', ['x'], { ...synced, primary_key_columns: ['id'] })).toBe(false);
  });
});
