/**
 * A saved plan is bound to what was reviewed (contract §6, plan/binding.ts): `apply PLANFILE` recomputes
 * the plan and refuses (exit 1, "stale plan", no write request) when the plan file, the warehouse file, a
 * reference or PostHog's state moved since `plan --out`, naming what differs.
 */
import { describe, expect, it } from 'vitest';
import { planDigest } from '../../src/plan/binding.js';
import type { Plan } from '../../src/plan/types.js';
import { useWorld } from '../helpers/world.js';
import { expectConverged, run, SHOP_SOURCE, yaml } from './apply-helpers.js';

const world = useWorld({ syncDurationMs: 50 });

/** Requests that change something in PostHog (discovery and the CDC check are POSTs that read). */
const writes = () => world.emulator.requests.filter((q) => q.method !== 'GET' && !/database_schema|check_cdc/.test(q.path));

async function savedPlan(): Promise<Plan> {
  expect((await run(world, ['plan', '--out', 'plan.json'])).exitCode).toBe(0);
  return JSON.parse(await world.read('plan.json')) as Plan;
}

async function saveEdited(plan: Plan, options: { reseal: boolean }): Promise<void> {
  const { digest: _old, ...rest } = plan;
  await world.write(JSON.stringify({ ...rest, digest: options.reseal ? planDigest(rest) : _old }, null, 2), 'plan.json');
}

async function expectStale(fragment: string | RegExp): Promise<void> {
  const before = writes().length;
  const r = await run(world, ['apply', 'plan.json', '--yes', '--format', 'json']);
  expect(r.exitCode, r.stderr).toBe(1);
  expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'stale-plan' } });
  expect(r.stderr).toContain('stale plan');
  expect(r.stderr).toMatch(fragment);
  expect(writes().slice(before)).toEqual([]);
}

describe('apply PLANFILE refuses a plan that is not what was reviewed', () => {
  it('a delete appended to changes[] by hand (no --prune): refused as an edited plan file, nothing deleted', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    const other = await world.emulator.state.liveSources()[0]!;
    const plan = await savedPlan();
    plan.changes.push({
      address: 'remote.Postgres.shop_',
      target: { source: 'Postgres:shop_', kind: 'source', undeclared: { source_type: 'Postgres', prefix: 'shop_' } },
      kind: 'source',
      source_type: 'Postgres',
      action: 'delete',
      remote_id: other.id,
      source: 'Postgres:shop_',
      before: null,
      after: null,
      reason: 'x',
      path: '',
      position: null,
      requests: [{ op: 'delete_source', method: 'DELETE', path: `external_data_sources/${other.id}/`, body: null, phase: 0 }],
    });
    await saveEdited(plan, { reseal: false });
    await expectStale(/plan\.json was edited after/);
    // Resealed with a matching digest, the recomputed plan still has no such change.
    await saveEdited(plan, { reseal: true });
    await expectStale(/remote\.Postgres\.shop_ is in the saved plan only/);
    expect(world.emulator.state.liveSources()).toHaveLength(1);
  });

  it("a table's after.sync_frequency edited by hand is refused and names the field", async () => {
    await world.write(yaml(SHOP_SOURCE));
    const plan = await savedPlan();
    const orders = plan.changes.find((c) => c.address === 'source.shop_db.table.orders')!;
    orders.after = { ...orders.after, sync_frequency: '5min' };
    await saveEdited(plan, { reseal: true });
    await expectStale('source.shop_db.table.orders: after.sync_frequency');
    expect(world.emulator.state.liveSources()).toHaveLength(0);
  });

  it("a request edited by hand (the create's host) is refused and names the request, though after still matches", async () => {
    await world.write(yaml(SHOP_SOURCE));
    const plan = await savedPlan();
    const create = plan.changes.find((c) => c.address === 'source.shop_db')!;
    (create.requests[0]!.body as { payload: Record<string, unknown> }).payload.host = 'evil.example.com';
    await saveEdited(plan, { reseal: true });
    await expectStale(/source\.shop_db: requests(\n|$)/m);
    // Nothing but the plan file explains a request that its own change does not give.
    await expectStale(/plan\.json was edited: its requests or targets are not what its changes give/);
    expect(world.emulator.state.liveSources()).toHaveLength(0);
  });

  it('a reference that resolves differently at apply time (DB_HOST) is refused and named', async () => {
    await world.write(yaml(SHOP_SOURCE));
    await savedPlan();
    // Another name for the same server: discovery still works, but the host PostHog would store differs.
    const other = world.database.host === '127.0.0.1' ? 'localhost' : '127.0.0.1';
    const before = writes().length;
    const r = await run(world, ['apply', 'plan.json', '--yes'], { env: { DB_HOST: other } });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('stale plan');
    expect(r.stderr).toContain('source.shop_db: after.config.host (from ${DB_HOST})');
    expect(writes().slice(before)).toEqual([]);
    expect(world.emulator.state.liveSources()).toHaveLength(0);
  });

  it('the warehouse file changed: refused before PostHog is asked', async () => {
    await world.write(yaml(SHOP_SOURCE));
    await savedPlan();
    await world.write(yaml(SHOP_SOURCE) + '# edited\n');
    const requests = world.emulator.requests.length;
    await expectStale('warehouse.yaml changed since the plan was made');
    expect(world.emulator.requests.length).toBe(requests);
  });

  it("PostHog's state changed: refused; the same plan recomputed applies and converges", async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    await world.write(yaml(SHOP_SOURCE.replace('sync_frequency: 7day', 'sync_frequency: 30day')));
    await savedPlan();
    const users = [...world.emulator.state.schemas.values()].find((s) => s.name === 'users' && !s.deleted)!;
    users.syncFrequency = '12hour';
    await expectStale("PostHog's sources changed");
    await savedPlan();
    const r = await run(world, ['apply', 'plan.json', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    await expectConverged(world);
  });

  it('an unchanged plan applies exactly its changes', async () => {
    await world.write(yaml(SHOP_SOURCE));
    const plan = await savedPlan();
    const r = await run(world, ['apply', 'plan.json', '--yes', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const applied = (JSON.parse(r.stdout) as { results: { address: string; status: string }[] }).results;
    expect(applied.map((a) => a.address).sort()).toEqual(plan.changes.filter((c) => c.action !== 'no-op').map((c) => c.address).sort());
    expect(applied.every((a) => a.status === 'applied')).toBe(true);
    await expectConverged(world);
  });
});

describe('show derives what it prints from the changes', () => {
  it("a hand-edited summary is not shown; the edit is warned about", async () => {
    await world.write(yaml(SHOP_SOURCE));
    const plan = await savedPlan();
    await saveEdited({ ...plan, summary: { create: 0, update: 0, delete: 0, no_op: 99 } }, { reseal: false });
    const r = await run(world, ['show', 'plan.json']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Plan: 4 to create, 0 to update, 0 to delete.');
    // The summary is not covered by the digest (it is derived), so this edit changes nothing that apply acts on.
    expect(r.stderr).toBe('');
    plan.changes.pop();
    await saveEdited(plan, { reseal: false });
    const edited = await run(world, ['show', 'plan.json']);
    expect(edited.stdout).toContain('Plan: 3 to create');
    expect(edited.stderr).toContain('plan.json was edited after `dwctl plan --out` wrote it');
  });

  it('a plan file whose changes are not changes is a usage problem (exit 3)', async () => {
    await world.write(JSON.stringify({ format_version: 1, changes: [{ address: 1 }], diagnostics: [], file: {}, remote: {}, options: {} }), 'plan.json');
    const r = await run(world, ['show', 'plan.json']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('changes[0] is not a plan change');
  });
});
