/**
 * Property: for generated files and PostHog states, plan → apply → plan against the emulator has no changes.
 * The PostHog state is generated too: an earlier file applied first (or nothing). Seeded and few runs (each
 * run is two applies and a plan over real sockets); fast-check prints the counterexample on failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runChecked, useWorld } from '../helpers/world.js';

const world = useWorld({ syncDurationMs: 20 }, { resetEach: false });

/** The sync settings each shop table offers on PGlite (no CDC: wal_level is not logical there). */
const OPTIONS: Record<string, string[]> = {
  orders: ['full_refresh', 'incremental updated_at', 'append created_at', 'xmin'],
  users: ['full_refresh', 'incremental updated_at', 'xmin'],
  events: ['full_refresh', 'append occurred_at', 'incremental id'],
  countries: ['full_refresh', 'xmin'],
};
const FREQUENCIES = ['1hour', '6hour', '24hour', '7day', 'never'];

type Declared = Record<string, { sync: string; frequency: string | null; time: string | null }>;

const declaredTables: fc.Arbitrary<Declared> = fc
  .record(
    Object.fromEntries(
      Object.entries(OPTIONS).map(([table, syncs]) => [
        table,
        fc.option(fc.record({ sync: fc.constantFrom(...syncs), frequency: fc.option(fc.constantFrom(...FREQUENCIES)), time: fc.option(fc.constantFrom('02:00:00', '13:30:00')) }), { nil: undefined }),
      ]),
    ),
  )
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Declared)
  .filter((d) => Object.keys(d).length > 0);

const fileOf = (tables: Declared, description: string): string => {
  const lines = ['version: 1', 'sources:', '  shop_db:', '    type: Postgres', '    prefix: shop_', `    description: ${description}`, '    config:'];
  lines.push('      host: ${DB_HOST}', '      port: ${DB_PORT}', '      database: postgres', '      user: postgres', '      password: ${SHOP_DB_PASSWORD}', '      schema: public', '    tables:');
  for (const [table, t] of Object.entries(tables)) {
    const [sync, field] = t.sync.split(' ');
    lines.push(`      ${table}:`, `        sync: ${sync}`);
    if (field) lines.push(`        incremental_field: ${field}`);
    if (t.frequency) lines.push(`        sync_frequency: ${t.frequency}`);
    if (t.time) lines.push(`        sync_time_of_day: "${t.time}"`);
  }
  return `${lines.join('\n')}\n`;
};

describe('plan → apply → plan converges', () => {
  it('for generated files, from an empty project or one an earlier file shaped', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(declaredTables, { nil: undefined }), declaredTables, fc.constantFrom('Shop', 'Shop database'), async (earlier, wanted, description) => {
        world.emulator.reset();
        if (earlier) {
          await world.write(fileOf(earlier, 'Earlier'));
          const first = await runChecked(world, ['apply', '--yes']);
          expect(first.exitCode, first.stdout + first.stderr).toBe(0);
        }
        await world.write(fileOf(wanted, description));
        const applied = await runChecked(world, ['apply', '--yes']);
        expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
        const after = await runChecked(world, ['plan', '--detailed-exitcode']);
        expect(after.exitCode, after.stdout + after.stderr).toBe(0);
        expect(world.emulator.state.liveSources()).toHaveLength(1);
      }),
      { numRuns: 8, seed: 9, endOnFailure: true },
    );
  }, 180_000);
});
