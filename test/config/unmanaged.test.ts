import { describe, expect, it } from 'vitest';
import { toDesired } from '../../src/config/desired.js';
import { parseWarehouseFile } from '../../src/config/parse.js';
import { globMatches, isIgnored, parseIgnorePattern } from '../../src/config/unmanaged.js';

const remote = (source_type: string, prefix: string | null) => ({ source_type, prefix });

describe('parseIgnorePattern', () => {
  it('reads GLOB and TYPE:GLOB', () => {
    expect(parseIgnorePattern('legacy_*')).toEqual({ ok: true, pattern: { text: 'legacy_*', type: null, glob: 'legacy_*' } });
    expect(parseIgnorePattern('Postgres:team_b_*')).toEqual({ ok: true, pattern: { text: 'Postgres:team_b_*', type: 'Postgres', glob: 'team_b_*' } });
  });

  it('refuses empty globs, characters a prefix cannot hold, several colons and a malformed type', () => {
    for (const bad of ['', 'Stripe:', 'team-b_*', 'a.b', 'shop_[ab]', 'a:b:c', '9x:shop_', ':shop_', 'shop_ *']) {
      const parsed = parseIgnorePattern(bad);
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) expect(parsed.problem.length, bad).toBeGreaterThan(0);
    }
  });
});

describe('globMatches', () => {
  it('matches the whole prefix, * as any run (also none), ? as one character, case-sensitively', () => {
    expect(globMatches('legacy_*', 'legacy_')).toBe(true);
    expect(globMatches('legacy_*', 'legacy_crm_')).toBe(true);
    expect(globMatches('legacy_*', 'old_legacy_')).toBe(false);
    expect(globMatches('legacy_', 'legacy_crm_')).toBe(false);
    expect(globMatches('*_b_*', 'team_b_x')).toBe(true);
    expect(globMatches('tmp_?_', 'tmp_1_')).toBe(true);
    expect(globMatches('tmp_?_', 'tmp_12_')).toBe(false);
    expect(globMatches('Legacy_*', 'legacy_')).toBe(false);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('a*', '')).toBe(false);
  });

  it('answers quickly on adversarial globs (no backtracking blow-up)', () => {
    const glob = `${'a*'.repeat(40)}b`;
    expect(globMatches(glob, 'a'.repeat(100))).toBe(false);
  });
});

describe('isIgnored', () => {
  const patterns = ['legacy_*', 'Stripe:*', 'Postgres:team_b_*'];

  it('matches a prefix glob for any type', () => {
    expect(isIgnored(remote('Hubspot', 'legacy_crm_'), patterns)).toBe(true);
    expect(isIgnored(remote('Hubspot', 'crm_'), patterns)).toBe(false);
  });

  it('restricts TYPE:GLOB to that type (as PostHog spells it)', () => {
    expect(isIgnored(remote('Stripe', 'billing_'), patterns)).toBe(true);
    expect(isIgnored(remote('Stripe', null), patterns)).toBe(true);
    expect(isIgnored(remote('Postgres', 'team_b_shop_'), patterns)).toBe(true);
    expect(isIgnored(remote('MySQL', 'team_b_shop_'), patterns)).toBe(false);
    expect(isIgnored(remote('Postgres', 'shop_'), patterns)).toBe(false);
    expect(isIgnored(remote('stripe', 'billing_'), patterns)).toBe(false);
  });

  it('treats a null prefix as the empty prefix', () => {
    expect(isIgnored(remote('Hubspot', null), ['*'])).toBe(true);
    expect(isIgnored(remote('Hubspot', null), ['x*'])).toBe(false);
  });

  it('ignores nothing with no patterns, and an invalid pattern matches nothing', () => {
    expect(isIgnored(remote('Stripe', 'billing_'), [])).toBe(false);
    expect(isIgnored(remote('Stripe', 'billing_'), ['billing-*', 'a:b:c'])).toBe(false);
  });

  it('accepts parsed patterns, as the desired state holds them', () => {
    const desired = toDesired(parseWarehouseFile('warehouse.yaml', 'version: 1\nunmanaged:\n  ignore: [legacy_*, "Stripe:*"]\nsources: {}\n'));
    expect(isIgnored(remote('Stripe', 'x_'), desired.unmanaged.ignore)).toBe(true);
    expect(isIgnored(remote('Postgres', 'x_'), desired.unmanaged.ignore)).toBe(false);
  });
});

describe('the desired state', () => {
  it('carries the valid ignore patterns in file order and each source\'s moved_from', () => {
    const text = [
      'version: 1',
      'unmanaged:',
      '  ignore: [legacy_*, "bad-one", "Postgres:team_b_*", 7]',
      'sources:',
      '  shop:',
      '    type: Postgres',
      '    prefix: shop_new_',
      '    moved_from: shop_',
      '  billing:',
      '    type: Stripe',
      '    prefix: billing_',
      '',
    ].join('\n');
    const desired = toDesired(parseWarehouseFile('warehouse.yaml', text));
    expect(desired.unmanaged.ignore.map((p) => p.text)).toEqual(['legacy_*', 'Postgres:team_b_*']);
    expect(desired.sources.map((s) => [s.name, s.moved_from])).toEqual([['billing', null], ['shop', 'shop_']]);
  });

  it('has no patterns when the file has no unmanaged key', () => {
    expect(toDesired(parseWarehouseFile('warehouse.yaml', 'version: 1\nsources: {}\n')).unmanaged).toEqual({ ignore: [] });
  });
});
