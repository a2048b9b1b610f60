/**
 * Adopting one source (issue 14): `import --prefix PREFIX [--type TYPE]` prints one source, and
 * `import --merge` adds the sources a file lacks to it, keeping its text. Both only read, so they run with
 * the world's read-only key (API.md §1: list and retrieve need only external_data_source:read).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { READ_ONLY_API_KEY, runChecked, useWorld } from '../helpers/world.js';
import { BILLING_SOURCE, expectConverged, run, SHOP_SOURCE, yaml } from './apply-helpers.js';

const world = useWorld({ syncDurationMs: 30 }, { resetEach: false });

/** A second Stripe account sharing the shop's prefix: `--prefix shop_` alone is then ambiguous. */
const SHOP_STRIPE_SOURCE = `  shop_payments:
    type: Stripe
    prefix: shop_
    config:
      auth_method:
        selection: api_key
        stripe_secret_key: \${STRIPE_SECRET_KEY}
    tables:
      Charge: { sync: append, incremental_field: created, sync_frequency: 12hour }
`;
const BILLING_NO_WEBHOOK = BILLING_SOURCE.replace(/ {4}webhook:\n.*\n/, '');
const READ_ONLY = { POSTHOG_PERSONAL_API_KEY: READ_ONLY_API_KEY };

beforeEach(async () => {
  world.emulator.reset();
  await world.write(yaml(SHOP_SOURCE, BILLING_NO_WEBHOOK, SHOP_STRIPE_SOURCE));
  const applied = await run(world, ['apply', '--yes']);
  expect(applied.exitCode, applied.stderr).toBe(0);
  world.emulator.requests.length = 0;
});

/** GET requests for one source (retrieve), by the read-only key's run. */
const retrieves = () => world.emulator.requests.filter((r) => r.method === 'GET' && /external_data_sources\/[0-9a-f-]{36}\/?$/.test(r.path.split('?')[0]!));

describe('import --prefix / --type', () => {
  it('prints the YAML of that source only, with a read-only key, retrieving only that source', async () => {
    const r = await runChecked(world, ['import', '--prefix', 'billing_'], READ_ONLY);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('sources:\n  billing:\n    type: Stripe\n    prefix: billing_\n');
    expect(r.stdout).toContain('stripe_secret_key: ${BILLING_STRIPE_SECRET_KEY}');
    expect(r.stdout).toContain('Charge: { sync: append, incremental_field: created, sync_frequency: 12hour }');
    expect(r.stdout).not.toContain('Postgres');
    expect(r.stdout).not.toContain('shop_');
    expect(r.stderr).toContain('  BILLING_STRIPE_SECRET_KEY: ');
    expect(retrieves()).toHaveLength(1);
    await world.write(r.stdout, 'billing.yaml');
    expect((await run(world, ['lint', 'billing.yaml'])).exitCode).toBe(0);
  });

  it('refuses a prefix two types share (exit 3), listing both and asking for --type; --type picks one', async () => {
    const ambiguous = await runChecked(world, ['import', '--prefix', 'shop_'], READ_ONLY);
    expect(ambiguous.exitCode).toBe(3);
    expect(ambiguous.stdout).toBe('');
    expect(ambiguous.stderr).toBe('error: Several sources with prefix "shop_"; add --type to choose one:\n  Postgres "shop_"\n  Stripe "shop_"\n');

    const chosen = await runChecked(world, ['import', '--prefix', 'shop_', '--type', 'Postgres'], READ_ONLY);
    expect(chosen.exitCode, chosen.stderr).toBe(0);
    expect(chosen.stdout).toContain('  shop:\n    type: Postgres\n    prefix: shop_\n');
    expect(chosen.stdout).not.toContain('type: Stripe');
    expect(chosen.stdout).toContain('password: ${SHOP_PASSWORD}');
  });

  it('refuses a prefix no source has (exit 3), listing the project\'s sources', async () => {
    const none = await runChecked(world, ['import', '--prefix', 'billing', '--type', 'Stripe'], READ_ONLY);
    expect(none.exitCode).toBe(3);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(
      'error: No Stripe source with prefix "billing" in the project.\nSources in the project (type, prefix):\n  Postgres "shop_"\n  Stripe "billing_"\n  Stripe "shop_"\n',
    );
  });
});

describe('import --merge', () => {
  const HEAD = `# Our warehouse. Team A owns this file.
version: 1

sources:
  # The shop's database, synced hourly.
${SHOP_SOURCE}`;

  it('adds the missing sources after the declared ones, keeping the file text; plan then converges', async () => {
    await world.write(HEAD);
    const r = await runChecked(world, ['import', '--merge'], READ_ONLY);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Added billing: Stripe "billing_"\n');
    expect(r.stderr).toContain('Added shop: Stripe "shop_"\n');
    const merged = await world.read('warehouse.yaml');
    expect(merged.startsWith(HEAD)).toBe(true);
    // Only undeclared sources were retrieved: not the Postgres one the file already has.
    expect(retrieves()).toHaveLength(2);
    expect((await run(world, ['lint'])).exitCode).toBe(0);

    const env = { BILLING_STRIPE_SECRET_KEY: world.env.STRIPE_SECRET_KEY!, SHOP_STRIPE_SECRET_KEY: world.env.STRIPE_SECRET_KEY! };
    await expectConverged(world, { env });
  });

  it('never changes a declared source, never reuses its name, skips unmanaged.ignore matches, and is idempotent', async () => {
    // The name "billing" is taken by a differently prefixed source; the shop's Stripe is another team's.
    const text = `version: 1
unmanaged:
  ignore: ["Stripe:shop_*"]
sources:
${SHOP_SOURCE.replace('shop_db:', 'billing:')}`;
    await world.write(text);
    const r = await runChecked(world, ['import', '--merge'], READ_ONLY);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('Stripe "shop_": matches unmanaged.ignore, not added\n');
    expect(r.stderr).toContain('Added billing_2: Stripe "billing_"\n');
    const merged = await world.read('warehouse.yaml');
    expect(merged.startsWith(text)).toBe(true);
    expect(merged.match(/^ {2}[a-z_0-9]+:$/gm)).toEqual(['  billing:', '  billing_2:']);

    const again = await runChecked(world, ['import', '--merge'], READ_ONLY);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('Nothing to add');
    expect(await world.read('warehouse.yaml')).toBe(merged);
  });

  it('--prefix adds that one source, even an ignored one; a declared one is left as it is', async () => {
    await world.write(`version: 1\nunmanaged:\n  ignore: ["Stripe:*"]\nsources:\n${SHOP_SOURCE}`);
    const one = await runChecked(world, ['import', '--merge', '--prefix', 'billing_'], READ_ONLY);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(one.stderr).toContain('Added billing: Stripe "billing_"\n');
    expect(await world.read('warehouse.yaml')).not.toContain('prefix: shop_\n    config:\n      auth_method');
    const declared = await runChecked(world, ['import', '--merge', '--prefix', 'shop_', '--type', 'Postgres'], READ_ONLY);
    expect(declared.exitCode).toBe(0);
    expect(declared.stderr).toContain('Postgres "shop_": already declared in warehouse.yaml, left as it is\n');
  });

  it('refuses --out with --merge, a file that is not YAML, and a missing file (exit 3, file untouched)', async () => {
    expect((await runChecked(world, ['import', '--merge', '--out', 'x.yaml'], READ_ONLY)).exitCode).toBe(3);
    await world.write('version: 1\nsources: [unclosed\n');
    const broken = await runChecked(world, ['import', '--merge'], READ_ONLY);
    expect(broken.exitCode).toBe(3);
    expect(broken.stderr).toMatch(/^error: Cannot merge into warehouse\.yaml: it is not valid YAML/);
    expect(await world.read('warehouse.yaml')).toBe('version: 1\nsources: [unclosed\n');
    const missing = await runChecked(world, ['import', '--merge', '-f', 'absent.yaml'], READ_ONLY);
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toContain('absent.yaml: no such file');
  });
});
