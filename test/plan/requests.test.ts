import { describe, expect, it } from 'vitest';
import { readOnlyInfo } from '../../src/plan/read-only.js';
import type { Plan, PlannedRequest } from '../../src/plan/types.js';
import { planScenario, remote, schema, stripeTable } from '../helpers/plan-fixtures.js';
import { billingStripeYaml } from '../helpers/yaml-fixtures.js';

/**
 * The planner writes each change's requests (plan/requests.ts); these pin the webhook ordering PostHog's code
 * needs (API.md §7, §12) without a server. test/e2e/requests-golden.test.ts holds them to the wire.
 */
const ops = (plan: Plan, address: string): string[] =>
  plan.changes.find((c) => c.address === address)!.requests.map((r: PlannedRequest) => `${r.phase} ${r.op}${r.when ? ` when ${r.when}` : ''}`);

const stripeYaml = billingStripeYaml;

const resolvedConfig = { auth_method: { selection: 'api_key', stripe_secret_key: 'rk_live_x' } };
const discovery = { ok: true as const, tables: [stripeTable('Customer'), stripeTable('Charge')] };
const existing = (customerType: string | null) =>
  remote('src-1', 'Stripe', 'billing_', [schema('Customer', { sync_type: customerType, should_sync: customerType !== null }), schema('Charge', { should_sync: false, sync_type: null })], {
    job_inputs: { auth_method: { selection: 'api_key' } },
  });
const healthy = { supports_webhooks: true, exists: true, hog_function: { id: 'fn-1', enabled: true }, inputs: { signing_secret: '***' }, external_status: { status: 'enabled' }, missing_events: [] };

describe('webhook requests', () => {
  it('a new source: register after the create, store the declared secret only when PostHog could not register, verify', () => {
    const plan = planScenario({ yaml: stripeYaml('      Customer: {sync: webhook}\n', true), sources: { billing: { discovery, resolvedConfig } } });
    expect(ops(plan, 'source.billing')).toEqual(['0 create_source']);
    expect(ops(plan, 'source.billing.webhook')).toEqual(['5 create_webhook', '5 update_webhook_inputs when webhook-not-registered', '5 check_webhook']);
  });

  it('an existing source whose table switches to webhook: register first, PATCH, then the secret unconditionally (the PATCH drops it), verify', () => {
    const source = existing('full_refresh');
    const plan = planScenario({
      yaml: stripeYaml('      Customer: {sync: webhook}\n', true),
      remoteSources: [source],
      sources: { billing: { remote: source, discovery, resolvedConfig, webhook: { supports_webhooks: true, exists: false } } },
    });
    expect(ops(plan, 'source.billing.table.Customer')).toEqual(['4 update_schema']);
    expect(ops(plan, 'source.billing.webhook')).toEqual(['1 create_webhook', '5 update_webhook_inputs', '5 check_webhook']);
  });

  it('a healthy webhook and a table switching to it: the secret is stored again after the PATCH; without a declared secret, webhook-secret-dropped', () => {
    const source = existing('webhook');
    const withCharge = '      Customer: {sync: webhook}\n      Charge: {sync: webhook}\n';
    const plan = planScenario({ yaml: stripeYaml(withCharge, true), remoteSources: [source], sources: { billing: { remote: source, discovery, resolvedConfig, webhook: healthy } } });
    expect(ops(plan, 'source.billing.webhook')).toEqual(['5 update_webhook_inputs', '5 check_webhook']);
    expect(plan.diagnostics.map((d) => d.code)).not.toContain('webhook-secret-dropped');
    const without = planScenario({ yaml: stripeYaml(withCharge, false), remoteSources: [source], sources: { billing: { remote: source, discovery, resolvedConfig, webhook: healthy } } });
    expect(without.diagnostics.map((d) => d.code)).toContain('webhook-secret-dropped');
    expect(without.applyable).toBe(false);
    expect(ops(without, 'source.billing.webhook')).toEqual(['5 check_webhook']);
  });

  it('a healthy webhook with nothing switching: no change, no request', () => {
    const source = existing('webhook');
    const plan = planScenario({ yaml: stripeYaml('      Customer: {sync: webhook}\n', true), remoteSources: [source], sources: { billing: { remote: source, discovery, resolvedConfig, webhook: healthy } } });
    expect(plan.changes.every((c) => c.action === 'no-op' && c.requests.length === 0)).toBe(true);
  });
});

describe('a read-only plan', () => {
  it('lists its changes without requests: it is never applied, and its values are not all resolved', () => {
    const plan = planScenario({ yaml: stripeYaml('      Customer: {sync: webhook}\n', true), readOnly: readOnlyInfo('flag') });
    expect(plan.changes.map((c) => `${c.action} ${c.address}`)).toContain('create source.billing');
    expect(plan.changes.every((c) => c.requests.length === 0)).toBe(true);
  });
});
