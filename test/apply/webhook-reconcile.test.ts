import { describe, expect, it } from 'vitest';
import { applyPlan, type PostHogWriter } from '../../src/apply/apply.js';
import type { WebhookInfoState } from '../../src/plan/observed.js';
import { planScenario, remote, schema, stripeTable } from '../helpers/plan-fixtures.js';
import { SecretMasker } from '../../src/secrets.js';
import { bundledCatalog } from '../../src/sources/catalog.js';
import type { DesiredSource } from '../../src/config/desired.js';

/**
 * A registered webhook that misses provider events (issue 10 item 6). PostHog adds events itself only when a
 * table's PATCH sets `sync_type: webhook` and its key may write webhook endpoints (API.md §2.13, §12); when the
 * key may not, only the user can. So missing events are never a planned change (a repair PATCH would re-switch
 * a table on every run and never converge): plan warns (webhook-missing-events), and an apply whose own table
 * switches made PostHog reconcile lists what is still missing in one "Action needed" note, without failing.
 * The planner builds the plan from what webhook_info says; apply sends exactly its requests against a fake that
 * behaves as PostHog's code does (the webhook step replaces the function's inputs, API.md §12).
 */
describe('a webhook with missing events', () => {
  const setup = (options: { secret: string | undefined; canAdd: boolean; switchTable: boolean; externalError?: string }) => {
    const calls: string[] = [];
    let missing = ['customer.updated', 'charge.refunded'];
    let inputs: Record<string, unknown> = { signing_secret: { secret: true } };
    const info = (): WebhookInfoState => ({
      supports_webhooks: true,
      exists: true,
      hog_function: { id: 'fn-1', enabled: true },
      webhook_url: 'https://webhooks.us.posthog.com/public/webhooks/dwh/fn-1',
      inputs,
      external_status: options.externalError ? { status: null, error: options.externalError } : { status: 'enabled', error: null },
      missing_events: missing,
    });
    // PostHog's webhook step on a schema PATCH setting sync_type webhook: inputs replaced wholesale, events
    // reconciled when the key may write webhook endpoints.
    const webhookStep = (patch: Record<string, unknown>): void => {
      if (patch.sync_type !== 'webhook') return;
      inputs = {};
      if (options.canAdd) missing = [];
    };
    const schemas = [
      schema('Customer', { id: 'sch-1', sync_type: 'webhook', sync_frequency: '24hour' }),
      schema('Invoice', { id: 'sch-2', should_sync: false, sync_type: 'full_refresh', sync_frequency: '24hour' }),
    ];
    const remoteSource = remote('src-1', 'Stripe', 'b_', schemas, { job_inputs: { auth_method: { selection: 'api_key' } } });
    const client = {
      webhookInfo: async () => (calls.push('webhook_info'), info()),
      getSource: async () => (calls.push('retrieve'), { ...remoteSource }),
      bulkUpdateSchemas: async (_id: string, updates: Record<string, unknown>[]) => {
        for (const { id, ...patch } of updates) {
          calls.push(`patch ${String(id)} ${JSON.stringify(patch)}`);
          webhookStep(patch);
        }
        return [];
      },
      updateSchema: async (id: string, patch: Record<string, unknown>) => {
        calls.push(`patch ${id} ${JSON.stringify(patch)}`);
        webhookStep(patch);
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
${options.switchTable ? '      Invoice: {sync: webhook}\n' : ''}${options.secret === undefined ? '' : '    webhook:\n      signing_secret: ${WHSEC}\n'}`,
      remoteSources: [remoteSource],
      sources: {
        billing: {
          remote: remoteSource,
          webhook: info(),
          discovery: { ok: true, tables: [stripeTable('Customer'), stripeTable('Invoice')] },
          resolvedConfig: { auth_method: { selection: 'api_key', stripe_secret_key: 'rk_live_x' } },
        },
      },
    });
    const source = { name: 'billing', type: 'Stripe', prefix: 'b_', description: null, config: {}, tables: [], webhook: null, cdc: null, moved_from: null } as unknown as DesiredSource;
    const sourceInputs = new Map([['billing', { source, info: bundledCatalog().get('Stripe'), config: {}, webhook: options.secret === undefined ? undefined : { signing_secret: options.secret } }]]);
    return { plan, calls, run: () => applyPlan(plan, client, sourceInputs, new SecretMasker()) };
  };

  it('alone, they are a webhook-missing-events warning and no change: the webhook is a no-op with no request, so apply sends nothing', async () => {
    const { plan, calls, run } = setup({ secret: 'whsec_declared', canAdd: true, switchTable: false });
    expect(plan.changes.filter((c) => c.action !== 'no-op')).toEqual([]);
    expect(plan.changes.find((c) => c.kind === 'webhook')).toMatchObject({ action: 'no-op', requests: [], reason: expect.stringContaining('events missing') });
    const warning = plan.diagnostics.find((d) => d.code === 'webhook-missing-events');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toContain('lacks 2 events');
    expect(warning?.message).toContain('charge.refunded, customer.updated');
    expect(plan.webhooks).toMatchObject([{ source: 'billing', exists: true, missing_events: ['charge.refunded', 'customer.updated'] }]);
    const result = await run();
    expect(result).toMatchObject({ ok: true, results: [] });
    expect(calls).toEqual([]);
  });

  it("a table switched to webhook in the same run makes PostHog reconcile: its PATCH, then the secret stored again, then the check; no note when the key could add them, never a second endpoint", async () => {
    const { plan, calls, run } = setup({ secret: 'whsec_declared', canAdd: true, switchTable: true });
    expect(plan.changes.filter((c) => c.action !== 'no-op').map((c) => [c.address, c.requests.map((r) => r.op)])).toEqual([
      ['source.billing.table.Invoice', ['update_schema']],
      ['source.billing.webhook', ['update_webhook_inputs', 'check_webhook']],
    ]);
    const result = await run();
    expect(result.ok).toBe(true);
    expect(result.results.find((r) => r.address === 'source.billing.webhook')).toMatchObject({ status: 'applied', error: null });
    expect(result.results.find((r) => r.address === 'source.billing.webhook')!.note ?? '').not.toContain('misses');
    expect(calls).not.toContain('create_webhook');
    const patch = calls.findIndex((c) => c.startsWith('patch sch-2 '));
    expect(patch).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('update_webhook_inputs signing_secret')).toBeGreaterThan(patch);
  });

  it('events the key cannot add: one PATCH (the planned switch), then the change applies with one action-needed note listing them (not a failure: the next run would fail the same way)', async () => {
    const { calls, run } = setup({ secret: 'whsec_declared', canAdd: false, switchTable: true });
    const result = await run();
    expect(result.ok).toBe(true);
    const webhook = result.results.find((r) => r.address === 'source.billing.webhook')!;
    expect(webhook).toMatchObject({ status: 'applied', error: null });
    expect(webhook.note).toMatch(/^The webhook endpoint .*misses 2 events PostHog's key cannot add; .*: charge\.refunded, customer\.updated\./);
    expect(calls.filter((c) => c.startsWith('patch'))).toHaveLength(1);
    // The secret the PATCH dropped is back, before the final check.
    expect(calls.at(-2)).toBe('update_webhook_inputs signing_secret');
    expect(calls.at(-1)).toBe('webhook_info');
  });

  it('without a declared secret nothing is sent for them (a PATCH would drop the secret PostHog holds); the warning names the events', async () => {
    const { plan, calls, run } = setup({ secret: undefined, canAdd: true, switchTable: false });
    expect(plan.changes.filter((c) => c.action !== 'no-op')).toEqual([]);
    expect(plan.diagnostics.find((d) => d.code === 'webhook-missing-events')?.message).toContain('customer.updated');
    await run();
    expect(calls).toEqual([]);
  });

  it("a note naming the URL to register keeps the URL last: PostHog's 'cannot read the endpoint' text comes before it, never glued after the URL", async () => {
    const { run } = setup({ secret: 'whsec_declared', canAdd: true, switchTable: true, externalError: "Your Stripe API key doesn't have permission to read webhooks." });
    const result = await run();
    expect(result.ok).toBe(true);
    const note = result.results.find((r) => r.address === 'source.billing.webhook')!.note!;
    expect(note).toBe(
      "PostHog cannot check the endpoint at the provider: Your Stripe API key doesn't have permission to read webhooks. " +
        "The configured signing secret is stored. Register this URL in the source's dashboard if it is not there yet: https://webhooks.us.posthog.com/public/webhooks/dwh/fn-1",
    );
  });
});
