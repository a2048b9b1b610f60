/**
 * `dwctl import` end to end: the sources apply created are written back as YAML whose secrets are
 * references; lint passes on it, and once the references are set, plan finds nothing to change.
 */
import { describe, expect, it } from 'vitest';
import { useWorld } from '../helpers/world.js';
import { BILLING_SOURCE, expectConverged, run, SHOP_SOURCE, yaml } from './apply-helpers.js';

const world = useWorld({ syncDurationMs: 30 });

/** `  NAME: what it holds` lines that import prints to stderr. */
function references(stderr: string): Map<string, string> {
  return new Map([...stderr.matchAll(/^ {2}([A-Za-z0-9_.:-]+): (.+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('dwctl import', () => {
  it('writes the shop Postgres and Stripe sources; lint passes; with the references set, plan has no changes', async () => {
    await world.write(yaml(SHOP_SOURCE, BILLING_SOURCE.replace(/    webhook:\n.*\n/, '')));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);

    const r = await run(world, ['import', '--out', 'imported.yaml', '--verbose']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Wrote imported.yaml with 2 source(s).');
    const text = await world.read('imported.yaml');
    for (const secret of world.secrets) expect(text).not.toContain(secret);

    const refs = references(r.stderr.slice(r.stderr.indexOf('Set these references')));
    expect([...refs.keys()].sort()).toEqual(['BILLING_STRIPE_SECRET_KEY', 'SHOP_PASSWORD']);
    // The file lists them at the end, too, and uses them as ${...} references.
    for (const name of refs.keys()) {
      expect(text).toContain(`\${${name}}`);
      expect(text.slice(text.lastIndexOf('Set these'))).toContain(name);
    }
    expect(text).toContain('orders: { sync: incremental, incremental_field: updated_at, sync_frequency: 1hour }');
    expect(text).toContain('Customer: { sync: webhook, sync_frequency: 24hour }');

    const lint = await run(world, ['lint', 'imported.yaml']);
    expect(lint.exitCode, lint.stdout).toBe(0);

    const env = { SHOP_PASSWORD: world.env.SHOP_DB_PASSWORD!, BILLING_STRIPE_SECRET_KEY: world.env.STRIPE_SECRET_KEY! };
    await expectConverged(world, { file: 'imported.yaml', env });
    const json = await run(world, ['plan', '-f', 'imported.yaml', '--format', 'json'], { env });
    expect(JSON.parse(json.stdout).summary).toMatchObject({ create: 0, update: 0, delete: 0 });
  });

  it('prints to stdout without --out, and refuses to overwrite a file without --force', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    const r = await run(world, ['import']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('shop:\n    type: Postgres\n    prefix: shop_');
    expect(r.stdout).toContain('password: ${SHOP_PASSWORD}');
    expect(r.stderr).toContain('SHOP_PASSWORD');
    await world.write('x', 'taken.yaml');
    const refused = await run(world, ['import', '--out', 'taken.yaml']);
    expect(refused.exitCode).toBe(3);
    expect(await world.read('taken.yaml')).toBe('x');
    expect((await run(world, ['import', '--out', 'taken.yaml', '--force'])).exitCode).toBe(0);
  });
});
