import { describe, expect, it } from 'vitest';
import { applyPlan, type PostHogWriter } from '../../src/apply/apply.js';
import type { WebhookInfoState } from '../../src/plan/observed.js';
import { planScenario, remote, schema, stripeTable } from '../helpers/plan-fixtures.js';
import { SecretMasker } from '../../src/secrets.js';
import { bundledCatalog } from '../../src/sources/catalog.js';
import type { DesiredSource } from '../../src/config/desired.js';

/**
 * A registered webhook that misses events must be repaired without a second create_webhook (each one
 * registers another endpoint): the plan re-sets a webhook table's sync type, which makes PostHog reconcile,
 * and apply sends exactly the planned requests against a fake that behaves as PostHog's code does.
 * That PATCH replaces the webhook function's inputs (API.md §12), so the declared signing secret is stored
 * again after it; without a declared secret the repair would break the webhook, so the user is told which
 * events to enable instead.
 */
describe('a webhook with missing events', () => {
  const setup = (secret: string | undefined, canAdd: boolean) => {
    const calls: string[] = [];
    let missing = ['customer.updated', 'charge.refunded'];
    let inputs: Record<string, unknown> = { signing_secret: { secret: true } };
    const info = (): WebhookInfoState => ({
      supports_webhooks: true,
      exists: true,
      hog_function: { id: 'fn-1', enabled: true },
      webhook_url: 'https://webhooks.us.posthog.com/public/webhooks/dwh/fn-1',
      inputs,
      external_status: { status: 'enabled', error: null },
      missing_events: missing,
    });
    const remoteSource = remote('src-1', 'Stripe', 'b_', [schema('Customer', { id: 'sch-1', sync_type: 'webhook', sync_frequency: '24hour' })], { job_inputs: { auth_method: { selection: 'api_key' } } });
    const client = {
      webhookInfo: async () => (calls.push('webhook_info'), info()),
      getSource: async () => (calls.push('retrieve'), { id: 'src-1', source_type: 'Stripe', prefix: 'b_', description: null, schemas: [{ id: 'sch-1', name: 'Customer', should_sync: true, sync_type: 'webhook' }] }),
      updateSchema: async (id: string, patch: Record<string, unknown>) => {
        calls.push(`patch ${id} ${JSON.stringify(patch)}`);
        // PostHog's webhook step: inputs replaced wholesale, events reconciled when the key may.
        inputs = {};
        if (canAdd) missing = [];
        return {};
      },
      updateWebhookInputs: async (_id: string, sent: Record<string, unknown>) => {
        calls.push(`update_webhook_inputs ${Object.keys(sent).join(',')}`);
        inputs = { signing_secret: { secret: true } };
        return { success: true };
      },
      createWebhook: async () => {
        calls.push('create_webhook');
        return { success: true };
      },
    } as unknown as PostHogWriter;
    // The planner builds the webhook change and its requests from what webhook_info said (API.md §7, §12).
    const plan = planScenario({
      yaml: `version: 1
sources:
  billing:
    type: Stripe
    prefix: b_
    config:
      auth_method: {selection: api_key, stripe_secret_key: "\${STRIPE_KEY}"}
    tables:
      Customer: {sync: webhook}
${secret === undefined ? '' : '    webhook:\n      signing_secret: ${WHSEC}\n'}`,
      remoteSources: [remoteSource],
      sources: { billing: { remote: remoteSource, webhook: info(), discovery: { ok: true, tables: [stripeTable('Customer')] }, resolvedConfig: { auth_method: { selection: 'api_key', stripe_secret_key: 'rk_live_x' } } } },
    });
    expect(plan.changes.filter((c) => c.action !== 'no-op').map((c) => [c.address, c.before, c.after])).toEqual([['source.billing.webhook', expect.anything(), expect.anything()]]);
    const source = { name: 'billing', type: 'Stripe', prefix: 'b_', description: null, config: {}, tables: [], webhook: null, cdc: null, moved_from: null } as unknown as DesiredSource;
    const sourceInputs = new Map([['billing', { source, info: bundledCatalog().get('Stripe'), config: {}, webhook: secret === undefined ? undefined : { signing_secret: secret } }]]);
    return { calls, run: () => applyPlan(plan, client, sourceInputs, new SecretMasker()) };
  };

  it('is reconciled through a webhook table, then the signing secret is stored again; never a second endpoint', async () => {
    const { calls, run } = setup('whsec_declared', true);
    const result = await run();
    expect(result.results).toMatchObject([{ address: 'source.billing.webhook', status: 'applied' }]);
    expect(calls).not.toContain('create_webhook');
    const patch = calls.indexOf('patch sch-1 {"sync_type":"webhook"}');
    expect(patch).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('update_webhook_inputs signing_secret')).toBeGreaterThan(patch);
  });

  it('events the key cannot add: one PATCH, then the change applies with one action-needed note listing them (not a failure: the next run would fail the same way)', async () => {
    const { calls, run } = setup('whsec_declared', false);
    const result = await run();
    expect(result.ok).toBe(true);
    expect(result.results).toHaveLength(1);
    expect(result.results[0]).toMatchObject({ address: 'source.billing.webhook', status: 'applied', error: null });
    expect(result.results[0]!.note).toMatch(/^The webhook endpoint .*misses 2 events PostHog's key cannot add; .*: charge\.refunded, customer\.updated\./);
    expect(calls.filter((c) => c.startsWith('patch'))).toHaveLength(1);
    // The secret the PATCH dropped is back.
    expect(calls.at(-2)).toBe('update_webhook_inputs signing_secret');
  });

  it('without a declared secret the repair PATCH is not sent (it would drop the secret PostHog holds); the events are listed as action needed', async () => {
    const { calls, run } = setup(undefined, true);
    const result = await run();
    expect(result.results[0]).toMatchObject({ status: 'applied' });
    expect(result.results[0]!.note).toContain('misses 2 events');
    expect(result.results[0]!.note).toContain('customer.updated');
    expect(calls.some((c) => c.startsWith('patch') || c.startsWith('update_webhook_inputs') || c === 'create_webhook')).toBe(false);
  });
});
