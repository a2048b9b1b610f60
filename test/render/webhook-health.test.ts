/**
 * Webhook health as a user reads it (plan and status share the text, API.md §7): a webhook PostHog cannot read at
 * the provider has no known events, so "healthy" must not claim every event is subscribed.
 */
import { describe, expect, it } from 'vitest';
import { planRenderers } from '../../src/render/plan.js';
import { webhookLines } from '../../src/render/status.js';
import { style } from '../../src/render/style.js';
import { webhookHealth } from '../../src/sources/webhooks.js';
import { planScenario, SHOP_YAML } from '../helpers/plan-fixtures.js';

const info = (over: Record<string, unknown>) =>
  ({ exists: true, webhook_url: 'https://webhooks.example/1', hog_function: { enabled: true }, inputs: { signing_secret: '(set)' }, missing_events: [], external_status: null, ...over }) as never;

describe('webhook health text', () => {
  it('a healthy webhook whose events PostHog could check says every event is subscribed', () => {
    expect(webhookLines(style(false), webhookHealth(info({ external_status: { status: 'enabled' } }), undefined))).toEqual([
      '  webhook: healthy: enabled, every event subscribed, no input pending',
    ]);
  });

  it('when PostHog cannot read the endpoint at the provider, the events are "not checked", never "every event subscribed"', () => {
    const [line] = webhookLines(style(false), webhookHealth(info({ external_status: { error: "Your Stripe API key doesn't have permission to read webhooks." } }), undefined));
    expect(line).not.toContain('every event subscribed');
    expect(line).toBe("  webhook: healthy: enabled, no input pending; events not checked (PostHog cannot read the endpoint at the provider: Your Stripe API key doesn't have permission to read webhooks.)");
  });

  it('one missing event is "1 event is not subscribed"', () => {
    expect(webhookHealth(info({ missing_events: ['customer.updated'] }), undefined).problems).toEqual(['1 event is not subscribed']);
    expect(webhookHealth(info({ missing_events: ['a', 'b'] }), undefined).problems).toEqual(['2 events are not subscribed']);
  });

  it('the markdown plan says the same: events not checked when PostHog cannot read the endpoint', () => {
    const unread = { ...webhookHealth(info({ external_status: { error: 'no read permission' } }), undefined), source: 'billing' };
    const read = { ...webhookHealth(info({ external_status: { status: 'enabled' } }), undefined), source: 'payments' };
    const markdown = planRenderers.markdown({ ...planScenario({ yaml: SHOP_YAML }), webhooks: [unread, read] }, { color: false });
    expect(markdown).toContain('- `billing`: healthy (enabled, no input pending); events not checked: PostHog cannot read the endpoint at the provider\n');
    expect(markdown).toContain('- `payments`: healthy (enabled, every event subscribed, no input pending)\n');
  });
});
