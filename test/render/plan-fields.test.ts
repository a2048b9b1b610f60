/** How the text plan lists an update's fields (render/plan.ts). */
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/plan/types.js';
import { planRenderers } from '../../src/render/plan.js';
import { planScenario, SHOP_YAML } from '../helpers/plan-fixtures.js';

describe("text plan: an update's fields", () => {
  it('shows changed fields as before → after, a field sent unchanged as such, and leaves out one unset on both sides', () => {
    const base = planScenario({ yaml: SHOP_YAML });
    const update = {
      kind: 'source',
      address: 'source.shop_db',
      target: { source: 'shop_db', kind: 'source' },
      action: 'update',
      remote_id: 'src-1',
      source: 'shop_db',
      before: { cdc: { enabled: false, management: 'posthog', slot_name: null } },
      after: { cdc: { enabled: true, management: 'posthog', slot_name: null } },
      reason: 'enable CDC',
      path: '/sources/shop_db',
      position: null,
      requests: [],
    } as unknown as Change;
    const text = planRenderers.text({ ...base, changes: [update] }, { color: false });
    expect(text).toContain('cdc.enabled = false → true');
    expect(text).toContain('cdc.management = "posthog" (unchanged, sent with the update)');
    expect(text).not.toContain('slot_name');
  });
});
