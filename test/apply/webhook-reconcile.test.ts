import { describe, expect, it } from 'vitest';
import { applyPlan, type PostHogWriter } from '../../src/apply/apply.js';
import type { WebhookInfoState } from '../../src/plan/observed.js';
import type { Change, Plan } from '../../src/plan/types.js';
import { SecretMasker } from '../../src/secrets.js';
import { bundledCatalog } from '../../src/wizard/bundled.js';
import type { DesiredSource } from '../../src/config/desired.js';

/**
 * A registered webhook that misses events must be repaired without a second create_webhook (each one
 * registers another endpoint): apply re-sets a webhook table's sync type, which makes PostHog reconcile.
 */
describe('a webhook with missing events', () => {
  it('is reconciled through a webhook table, never by registering a second endpoint', async () => {
    const calls: string[] = [];
    let missing = ['customer.updated'];
    const info = (): WebhookInfoState => ({
      supports_webhooks: true,
      exists: true,
      hog_function: { id: 'fn-1', enabled: true },
      inputs: { signing_secret: { secret: true } },
      external_status: { status: 'enabled', error: null },
      missing_events: missing,
    });
    const client = {
      webhookInfo: async () => (calls.push('webhook_info'), info()),
      getSource: async () => (calls.push('retrieve'), { id: 'src-1', source_type: 'Stripe', prefix: 'b_', description: null, schemas: [{ id: 'sch-1', name: 'Customer', should_sync: true, sync_type: 'webhook' }] }),
      updateSchema: async (id: string, patch: Record<string, unknown>) => {
        calls.push(`patch ${id} ${JSON.stringify(patch)}`);
        missing = [];
        return {};
      },
      createWebhook: async () => {
        calls.push('create_webhook');
        return { success: true };
      },
    } as unknown as PostHogWriter;
    const change: Change = {
      address: 'source.billing.webhook', kind: 'webhook', action: 'update', remote_id: 'fn-1', source: 'billing',
      before: { missing_events: ['customer.updated'] }, after: { missing_events: [] }, reason: '1 events missing', path: '', position: null,
    };
    const sourceNoop: Change = { address: 'source.billing', kind: 'source', action: 'no-op', remote_id: 'src-1', source: 'billing', before: null, after: null, reason: 'in sync', path: '', position: null };
    const plan = { changes: [sourceNoop, change] } as unknown as Plan;
    const source = { name: 'billing', type: 'Stripe', prefix: 'b_', description: null, config: {}, tables: [], webhook: null, cdc: null, moved_from: null } as DesiredSource;
    const inputs = new Map([['billing', { source, info: bundledCatalog().get('Stripe'), config: {}, webhook: undefined }]]);
    const result = await applyPlan(plan, client, inputs, new SecretMasker());
    expect(result.results).toMatchObject([{ address: 'source.billing.webhook', status: 'applied' }]);
    expect(calls).not.toContain('create_webhook');
    expect(calls).toContain('patch sch-1 {"sync_type":"webhook"}');
  });
});
