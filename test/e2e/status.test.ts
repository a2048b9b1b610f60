/**
 * `dwctl status` end to end against the emulator: declared sources, --all, --watch, text and JSON, and the
 * latest error of a failed sync. No secret in any output (verbose log included).
 */
import { describe, expect, it } from 'vitest';
import { useWorld } from '../helpers/world.js';
import { BILLING_SOURCE, extraEmulator, run, SHOP_SOURCE, yaml } from './apply-helpers.js';
import type { StatusReport } from '../../src/render/status.js';

const world = useWorld({ syncDurationMs: 30 });

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

describe('dwctl status', () => {
  it('shows a declared source that does not exist yet', async () => {
    await world.write(yaml(SHOP_SOURCE));
    const r = await run(world, ['status']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('shop_db (Postgres, prefix shop_): not created yet (run dwctl plan)\n\n');
  });

  it('shows the declared sources after apply, in text and JSON; --all adds the undeclared ones', async () => {
    await world.write(yaml(SHOP_SOURCE, BILLING_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    await settle();

    const text = await run(world, ['status', '--verbose']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('shop_db (Postgres, prefix shop_): Completed');
    expect(text.stdout).toContain('billing (Stripe, prefix billing_): Completed');
    expect(text.stdout).toMatch(/shop_postgres_orders +on +incremental +1hour +Completed +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC +[\d,]+/);
    expect(text.stdout).toMatch(/billing_stripe_customer +on +webhook +24hour +Completed/);
    expect(text.stdout).toContain('3 more tables are not synced.');
    expect(text.stdout).not.toMatch(/ +\n/);
    expect(text.stderr).toMatch(/GET \/api\/projects\/1\/external_data_sources\/\?limit=100&offset=0 200/);

    const json = await run(world, ['status', '--format', 'json']);
    expect(json.exitCode).toBe(0);
    const report = JSON.parse(json.stdout) as StatusReport;
    expect(report.format_version).toBe(1);
    expect(report.sources.map((s) => [s.name, s.declared, s.source_type, s.prefix, s.status])).toEqual([
      ['billing', true, 'Stripe', 'billing_', 'Completed'],
      ['shop_db', true, 'Postgres', 'shop_', 'Completed'],
    ]);
    const shop = report.sources[1]!;
    expect(shop.tables).toHaveLength(6);
    expect(shop.tables.find((t) => t.table === 'orders')).toMatchObject({
      warehouse_table: 'shop_postgres_orders',
      should_sync: true,
      sync_type: 'incremental',
      sync_frequency: '1hour',
      status: 'Completed',
      latest_error: null,
    });

    // Only the shop declared: billing is shown with --all only.
    await world.write(yaml(SHOP_SOURCE), 'shop-only.yaml');
    const declared = await run(world, ['status', '-f', 'shop-only.yaml', '--format', 'json']);
    expect((JSON.parse(declared.stdout) as StatusReport).sources.map((s) => s.name)).toEqual(['shop_db']);
    const all = await run(world, ['status', '-f', 'shop-only.yaml', '--all']);
    expect(all.exitCode).toBe(0);
    expect(all.stdout).toContain('stripe:billing_ (Stripe, prefix billing_): Completed (not declared in the file)');
    const allJson = JSON.parse((await run(world, ['status', '-f', 'shop-only.yaml', '--all', '--format', 'json'])).stdout) as StatusReport;
    expect(allJson.sources.map((s) => [s.name, s.declared])).toEqual([
      ['shop_db', true],
      ['stripe:billing_', false],
    ]);
  });

  it('--watch --count 2 refreshes twice, in text and JSON', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    const text = await run(world, ['status', '--watch', '--count', '2', '--interval', '100ms']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout.split('shop_db (Postgres, prefix shop_)').length - 1).toBe(2);
    const json = await run(world, ['status', '--watch', '--count', '2', '--interval', '100ms', '--format', 'json']);
    expect(json.exitCode).toBe(0);
    // One document per refresh, one per line (JSON Lines).
    const documents = json.stdout.trimEnd().split('\n').map((d) => JSON.parse(d) as StatusReport);
    expect(documents).toHaveLength(2);
    expect(documents[1]!.sources[0]!.name).toBe('shop_db');
    const lists = world.emulator.requests.filter((q) => q.method === 'GET' && /external_data_sources\/\?/.test(q.path));
    expect(lists.length).toBeGreaterThanOrEqual(4);
  });

  it('shows the latest error of a failed sync', async () => {
    const failing = await extraEmulator({ syncDurationMs: 20, failingSyncs: { shop_postgres_orders: 'could not read block 7 in file "base/16384/2619"' } });
    try {
      await world.write(yaml(SHOP_SOURCE));
      expect((await run(world, ['apply', '--yes'], { emulator: failing })).exitCode).toBe(0);
      await settle();
      const text = await run(world, ['status'], { emulator: failing });
      expect(text.exitCode).toBe(0);
      expect(text.stdout).toContain('shop_db (Postgres, prefix shop_): Failed');
      expect(text.stdout).toMatch(/shop_postgres_orders +on +incremental +1hour +Failed +never/);
      expect(text.stdout).toContain('    error: could not read block 7 in file "base/16384/2619"');
      const json = JSON.parse((await run(world, ['status', '--format', 'json'], { emulator: failing })).stdout) as StatusReport;
      expect(json.sources[0]!.tables.find((t) => t.table === 'orders')).toMatchObject({ status: 'Failed', latest_error: 'could not read block 7 in file "base/16384/2619"' });
    } finally {
      await failing.close();
    }
  });
});

describe('dwctl status: webhook health (API.md §7, §12)', () => {
  it('healthy after apply; a dropped signing secret and missing events show as problems, with the events named', async () => {
    await world.write(yaml(BILLING_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    const healthy = await run(world, ['status', '--format', 'json']);
    const billing = (JSON.parse(healthy.stdout) as StatusReport).sources[0]!;
    expect(billing.webhook).toMatchObject({ exists: true, enabled: true, missing_events: [], pending_inputs: [], external_status: 'enabled', problems: [] });
    expect(billing.webhook!.url).toMatch(/^https:\/\/webhooks\.us\.posthog\.com\/public\/webhooks\/dwh\//);
    expect((await run(world, ['status'])).stdout).toContain('  webhook: healthy: enabled, every event subscribed, no input pending\n');

    // What PostHog's webhook step leaves behind when a schema PATCH replaced the inputs, and an endpoint
    // someone trimmed in Stripe's dashboard.
    const [source] = world.emulator.state.liveSources();
    source!.hogFunction!.inputs = {};
    const endpoint = source!.endpoints.find((e) => !e.deleted)!;
    endpoint.enabledEvents = endpoint.enabledEvents.filter((e) => !['customer.updated', 'charge.refunded'].includes(e));
    const json = JSON.parse((await run(world, ['status', '--format', 'json'])).stdout) as StatusReport;
    expect(json.sources[0]!.webhook).toMatchObject({
      pending_inputs: ['signing_secret'],
      missing_events: ['charge.refunded', 'customer.updated'],
      problems: ['2 events are not subscribed', 'inputs pending: signing_secret'],
    });
    const text = await run(world, ['status']);
    expect(text.stdout).toContain('  webhook: 2 events are not subscribed; inputs pending: signing_secret\n    missing events: charge.refunded, customer.updated\n');
  });

  it('sources without webhook tables have no webhook entry and cost no webhook_info call', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    const before = world.emulator.requests.length;
    const report = JSON.parse((await run(world, ['status', '--format', 'json'])).stdout) as StatusReport;
    expect('webhook' in report.sources[0]!).toBe(false);
    expect(world.emulator.requests.slice(before).some((q) => q.path.includes('webhook_info'))).toBe(false);
  });
});
