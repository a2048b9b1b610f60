/**
 * Plan catches what PostHog's create would refuse for keys (API.md §2.3 step 16, §12): an incremental table
 * with no detected key, no declared key and no id column (the shop seed's audit_log).
 */
import { describe, expect, it } from 'vitest';
import { runChecked, shopFile, useWorld } from '../helpers/world.js';

const world = useWorld({}, { resetEach: false });

const file = (auditLog: string) => shopFile(`      audit_log:\n${auditLog}`);

interface PlanJson { diagnostics: { code: string; severity: string; message: string; line: number }[] }

describe('incremental-without-key', () => {
  it('is a plan error at the table\'s sync, and apply creates nothing', async () => {
    await world.write(file('        sync: incremental\n        incremental_field: at\n'));
    const r = await runChecked(world, ['plan', '--format', 'json']);
    expect(r.exitCode).toBe(1);
    const plan = JSON.parse(r.stdout) as PlanJson;
    const errors = plan.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.code, d.line])).toEqual([['incremental-without-key', 15]]);
    expect(errors[0]!.message).toContain('"audit_log" has no primary key and no id column');
    expect((await runChecked(world, ['apply', '--yes'])).exitCode).toBe(1);
    expect(world.emulator.state.liveSources()).toHaveLength(0);
  });

  it('a declared key satisfies PostHog, and so does append; both apply and converge', async () => {
    for (const spec of ['        sync: incremental\n        incremental_field: at\n        primary_key: [actor, at]\n', '        sync: append\n        incremental_field: at\n']) {
      world.emulator.reset();
      await world.write(file(spec));
      const plan = JSON.parse((await runChecked(world, ['plan', '--format', 'json'])).stdout) as PlanJson;
      expect(plan.diagnostics.map((d) => d.code)).not.toContain('incremental-without-key');
      const applied = await runChecked(world, ['apply', '--yes']);
      expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
      expect((await runChecked(world, ['plan', '--detailed-exitcode'])).exitCode).toBe(0);
    }
  });
});

const shop = shopFile;

interface ChangesJson { changes: { address: string; action: string; after: Record<string, unknown> | null }[]; diagnostics: { code: string; message: string }[] }

describe('keys on existing tables (API.md §12)', () => {
  it('switching a synced full_refresh table to xmin sends the detected key (none is stored); apply converges', async () => {
    world.emulator.reset();
    await world.write(shop('      countries:\n        sync: full_refresh\n'));
    expect((await runChecked(world, ['apply', '--yes', '--wait', '--timeout', '30s'])).exitCode).toBe(0);
    await world.write(shop('      countries:\n        sync: xmin\n'));
    const plan = JSON.parse((await runChecked(world, ['plan', '--format', 'json'])).stdout) as ChangesJson;
    expect(plan.changes.find((c) => c.address === 'source.shop_db.table.countries')!.after).toMatchObject({ sync_type: 'xmin', primary_key_columns: ['code'] });
    const applied = await runChecked(world, ['apply', '--yes']);
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
    expect((await runChecked(world, ['plan', '--detailed-exitcode'])).exitCode).toBe(0);
  });

  it('changing the key of a table whose data synced is a plan error with PostHog\'s reason, and apply sends nothing for it', async () => {
    world.emulator.reset();
    await world.write(shop('      orders:\n        sync: incremental\n        incremental_field: updated_at\n        primary_key: [id]\n'));
    expect((await runChecked(world, ['apply', '--yes', '--wait', '--timeout', '30s'])).exitCode).toBe(0);
    await world.write(shop('      orders:\n        sync: incremental\n        incremental_field: updated_at\n        primary_key: [id, customer_id]\n'));
    const r = await runChecked(world, ['plan', '--format', 'json']);
    expect(r.exitCode).toBe(1);
    const plan = JSON.parse(r.stdout) as ChangesJson;
    const locked = plan.diagnostics.filter((d) => d.code === 'primary-key-locked');
    expect(locked).toHaveLength(1);
    expect(locked[0]!.message).toContain('Primary key cannot be changed after data has been synced.');
    expect(plan.changes.find((c) => c.address === 'source.shop_db.table.orders')).toBeUndefined();
  });
});
