import { describe, expect, it } from 'vitest';
import type { DesiredSource } from '../../src/config/desired.js';
import { parseIgnorePattern } from '../../src/config/unmanaged.js';
import { deletedSource, deleteLast, movedFrom, movedTo, ownedElsewhere, prefixChangeMessage, renameCandidates } from '../../src/plan/lifecycle.js';
import type { RemoteSourceInfo, RemoteSchemaInfo } from '../../src/plan/observed.js';

const source = (name: string, prefix: string, movedFromPrefix: string | null = null, type = 'Postgres'): DesiredSource => ({
  name,
  type,
  prefix,
  description: null,
  config: {},
  tables: [],
  webhook: null,
  cdc: null,
  moved_from: movedFromPrefix,
});
const schema = (name: string, over: Partial<RemoteSchemaInfo> = {}): RemoteSchemaInfo => ({ id: `s-${name}`, name, should_sync: false, sync_type: 'full_refresh', table: null, last_synced_at: null, ...over });
const remote = (prefix: string | null, schemas: RemoteSchemaInfo[] = [], type = 'Postgres'): RemoteSourceInfo => ({ id: `r-${prefix}`, source_type: type, prefix, description: null, schemas });
const ignore = (...patterns: string[]) => ({ unmanaged: { ignore: patterns.map((p) => { const r = parseIgnorePattern(p); if (!r.ok) throw new Error(r.problem); return r.pattern; }) } });

describe('plan/lifecycle', () => {
  it('ownedElsewhere applies unmanaged.ignore (type-restricted and not)', () => {
    expect(ownedElsewhere(remote('team_b_x'), ignore('team_b_*'))).toBe(true);
    expect(ownedElsewhere(remote('team_b_x'), ignore('Stripe:team_b_*'))).toBe(false);
    expect(ownedElsewhere(remote(null), ignore('*'))).toBe(true);
    expect(ownedElsewhere(remote('shop_'), ignore())).toBe(false);
  });

  it('movedTo / movedFrom pair a declared source with the remote one under its old prefix, same type only', () => {
    const moved = source('shop_db', 'shop_', 'old_');
    expect(movedTo(remote('old_'), [moved])).toBe(moved);
    expect(movedTo(remote('old_', [], 'Stripe'), [moved])).toBeUndefined();
    expect(movedFrom(moved, [remote('other_'), remote('old_')])?.prefix).toBe('old_');
    expect(movedFrom(source('a', 'shop_'), [remote('old_')])).toBeUndefined();
  });

  it('deletedSource lists enabled tables and disabled ones that synced, never the never-synced ones', () => {
    const before = deletedSource(
      remote('old_', [
        schema('users', { should_sync: true }),
        schema('orders', { should_sync: false, table: { row_count: 3 } }),
        schema('audit', { should_sync: false, last_synced_at: '2026-01-01T00:00:00Z' }),
        schema('events'),
      ]),
    );
    expect(before.tables).toEqual(['audit', 'orders', 'users']);
    expect(before.warehouse_tables).toEqual(['old_postgres_audit', 'old_postgres_orders', 'old_postgres_users']);
  });

  it('renameCandidates skip declared, moved and ignored sources; none when moved_from is set', () => {
    const desired = { sources: [source('shop_db', 'shop_'), source('b', 'b_', 'bold_')], ...ignore('team_*') };
    const remotes = [remote('shop_'), remote('bold_'), remote('team_x_'), remote('legacy_'), remote('legacy_', [], 'Stripe')];
    expect(renameCandidates(desired.sources[0]!, desired, remotes).map((r) => r.prefix)).toEqual(['legacy_']);
    expect(renameCandidates(desired.sources[1]!, desired, remotes)).toEqual([]);
  });

  it('the prefix-change text names the double sync, the billing and moved_from', () => {
    expect(prefixChangeMessage(source('shop_db', 'shop_'), remote('old_'))).toMatch(/keeps syncing the same data .*billed twice.*`moved_from: "old_"`/);
  });

  it('deleteLast orders a delete after every other change of its source', () => {
    const actions = ['delete', 'create', 'update', 'no-op'] as const;
    expect([...actions].map((action) => ({ action })).sort(deleteLast).map((c) => c.action)).toEqual(['create', 'update', 'no-op', 'delete']);
  });
});
