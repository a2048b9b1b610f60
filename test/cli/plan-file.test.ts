import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlanFile } from '../../src/cli/plan-file.js';
import { UsageProblem } from '../../src/errors.js';

/**
 * Reading a saved plan for `show` and `apply PLANFILE`: changes carry a structured target (issue 9); a plan
 * written before targets existed has them read back from its addresses; a target that contradicts the change
 * is a usage problem, never a crash in a renderer.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dwctl-plan-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const planWith = (changes: unknown[]) => JSON.stringify({ format_version: 1, changes, diagnostics: [], file: { path: 'warehouse.yaml', sha256: 'x' }, remote: {}, options: {} });
const change = (fields: Record<string, unknown>) => ({ action: 'create', before: null, after: null, reason: '', path: '', position: null, ...fields });

async function read(changes: unknown[]) {
  await writeFile(join(dir, 'plan.json'), planWith(changes));
  return readPlanFile(dir, 'plan.json');
}

describe('readPlanFile', () => {
  it('reads the targets of a plan written before they existed from its addresses, and gives it no requests', async () => {
    const plan = await read([
      change({ address: 'source.shop', kind: 'source', source: 'shop' }),
      change({ address: 'source.shop.table.public.orders', kind: 'table', source: 'shop' }),
      change({ address: 'source.shop.webhook', kind: 'webhook', source: 'shop' }),
      change({ address: 'remote.Stripe.old_', kind: 'source', source: 'Stripe:old_', action: 'delete' }),
    ]);
    expect(plan.changes.map((c) => c.target)).toEqual([
      { source: 'shop', kind: 'source' },
      { source: 'shop', kind: 'table', table: 'public.orders' },
      { source: 'shop', kind: 'webhook' },
      { source: 'Stripe:old_', kind: 'source', undeclared: { source_type: 'Stripe', prefix: 'old_' } },
    ]);
    expect(plan.changes.every((c) => Array.isArray(c.requests) && c.requests.length === 0)).toBe(true);
  });

  it('refuses an address that does not fit its kind and source (no target to read)', async () => {
    await expect(read([change({ address: 'source.other.table.x', kind: 'table', source: 'shop' })])).rejects.toThrow(UsageProblem);
    await expect(read([change({ address: 'source.shop.table.', kind: 'table', source: 'shop' })])).rejects.toThrow(/changes\[0\] has an address that does not fit/);
  });

  it('refuses a target of another kind, or a table target without its table', async () => {
    await expect(read([change({ address: 'source.shop', kind: 'source', source: 'shop', target: { source: 'shop', kind: 'table', table: 't' } })])).rejects.toThrow(/target that does not fit its kind/);
    await expect(read([change({ address: 'source.shop.table.t', kind: 'table', source: 'shop', target: { source: 'shop', kind: 'table' } })])).rejects.toThrow(/without a table in its target/);
    await expect(read([change({ address: 'source.shop', kind: 'source', source: 'shop', target: null })])).rejects.toThrow(/target that does not fit/);
  });
});
