import { describe, expect, it } from 'vitest';
import { inSentence, mergeSources, readMergeTarget, selectSources } from '../../src/config/import.js';
import type { RemoteSourceInfo } from '../../src/plan/observed.js';
import { bundledCatalog } from '../../src/sources/catalog.js';
import { lint } from '../lint/lint-helpers.js';
import { BILLING_STRIPE } from '../helpers/yaml-fixtures.js';

const stripe = (prefix: string | null, id = `id-${prefix}`): RemoteSourceInfo => ({
  id,
  source_type: 'Stripe',
  prefix,
  description: null,
  job_inputs: { auth_method: { selection: 'api_key' } },
  schemas: [{ id: `s-${id}`, name: 'Customer', should_sync: true, sync_type: 'full_refresh', sync_frequency: '24hour' } as RemoteSourceInfo['schemas'][number]],
});

const FILE = `# yaml-language-server: $schema=./node_modules/dwctl/schemas/warehouse.schema.json
version: 1

# Team A's sources.
sources:
  billing:   # the EU account
${BILLING_STRIPE}    tables:
      Customer: { sync: full_refresh }   # small table
  new_shop:
    type: Stripe
    prefix: shop_new_
    moved_from: shop_
    config:
      auth_method:
        selection: api_key
        stripe_secret_key: \${SHOP_KEY}
    tables: {}
`;

describe('selectSources (import --prefix/--type)', () => {
  const listed = [stripe('billing_'), stripe('shop_'), { ...stripe('shop_', 'pg'), source_type: 'Postgres' }, stripe(null, 'blank')];

  it('selects the one source with the prefix, narrowed by type when given (case-insensitively)', () => {
    expect(selectSources(listed, { prefix: 'billing_' })).toEqual({ ok: true, sources: [listed[0]] });
    expect(selectSources(listed, { prefix: 'shop_', type: 'postgres' })).toEqual({ ok: true, sources: [listed[2]] });
    expect(selectSources(listed, { prefix: '' })).toEqual({ ok: true, sources: [listed[3]] });
    const ofType = selectSources(listed, { type: 'Stripe' });
    expect(ofType.ok && ofType.sources.map((s) => s.id)).toEqual(['blank', 'id-billing_', 'id-shop_']);
  });

  it('refuses several sources with one prefix, listing them and asking for --type', () => {
    const several = selectSources(listed, { prefix: 'shop_' });
    expect(several).toEqual({ ok: false, problem: 'Several sources with prefix "shop_"; add --type to choose one:\n  Postgres "shop_"\n  Stripe "shop_"' });
  });

  it('refuses no match, listing every source of the project', () => {
    const none = selectSources(listed, { prefix: 'shop', type: 'Stripe' });
    expect(none.ok).toBe(false);
    if (!none.ok) {
      expect(none.problem.split('\n')[0]).toBe('No Stripe source with prefix "shop" in the project.');
      expect(none.problem).toContain('  Stripe "billing_"\n');
      expect(none.problem).toContain('  Stripe (no prefix)');
    }
    expect(selectSources([], { prefix: 'x_' })).toEqual({ ok: false, problem: 'No source with prefix "x_" in the project. The project has no sources.' });
  });

  it('keeps terminal sequences in remote prefixes inert (JSON-quoted)', () => {
    const evil = selectSources([stripe('a\u001b[31m_'), { ...stripe('c_'), source_type: 'Stripe\u001b]8;;x\u0007' }], { prefix: 'b_' });
    expect(evil.ok).toBe(false);
    expect(!evil.ok && evil.problem).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});

describe('mergeSources (import --merge)', () => {
  it('appends undeclared sources, keeping the file byte for byte, with a non-clashing name and references', () => {
    const target = readMergeTarget(FILE);
    if (!target.ok) throw new Error(target.problem);
    // billing_ is declared; shop_ is the old prefix of a moved source; the blank-prefix one is missing.
    const result = mergeSources(FILE, target, [stripe('billing_'), stripe('shop_'), stripe(null), stripe('billing_eu_')], bundledCatalog());
    expect(result.added.map((a) => [a.name, a.prefix])).toEqual([
      ['stripe', null],
      ['billing_eu', 'billing_eu_'],
    ]);
    expect(result.text.startsWith(FILE)).toBe(true);
    const appended = result.text.slice(FILE.length);
    expect(appended.startsWith('\n  # Imported')).toBe(true);
    // The blank line keeps the new source apart; its secret gets a variable the file does not use yet
    // (STRIPE_SECRET_KEY is billing's: reusing it would silently share billing's key).
    expect(appended).toContain('\n  # Imported from PostHog by `dwctl import --merge`. Set before dwctl plan: STRIPE_SECRET_KEY_2.\n  stripe:\n    type: Stripe\n    prefix: ""\n');
    expect(appended).toContain('stripe_secret_key: ${BILLING_EU_STRIPE_SECRET_KEY}');
    expect(appended).toContain('Customer: { sync: full_refresh, sync_frequency: 24hour }');
    expect(result.references.map((r) => r.reference)).toEqual(['STRIPE_SECRET_KEY_2', 'BILLING_EU_STRIPE_SECRET_KEY']);
    expect(lint(result.text).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('describes each reference in sentence case, keeping acronyms', () => {
    const target = readMergeTarget(FILE);
    if (!target.ok) throw new Error(target.problem);
    const result = mergeSources(FILE, target, [stripe('billing_eu_')], bundledCatalog());
    expect(result.references.map((r) => r.holds)).toEqual(['the API key of billing_eu']);
    expect(['Password', 'API key', 'SSH tunnel', 'Signing secret', 'x'].map(inSentence)).toEqual(['password', 'API key', 'SSH tunnel', 'signing secret', 'x']);
  });

  it('never reuses a declared name: a remote whose natural name is taken gets a suffix', () => {
    const target = readMergeTarget(FILE);
    if (!target.ok) throw new Error(target.problem);
    const result = mergeSources(FILE, target, [stripe('billing')], bundledCatalog());
    expect(result.added.map((a) => a.name)).toEqual(['billing_2']);
  });

  it('keeps a file whose sources are followed by other keys and comments intact, at its indentation', () => {
    const text = 'version: 1\nsources:\n    a:\n        type: Stripe\n        prefix: a_\n\n# end of sources\nunmanaged:\n  ignore: []\n';
    const target = readMergeTarget(text);
    if (!target.ok) throw new Error(target.problem);
    const result = mergeSources(text, target, [stripe('b_')], bundledCatalog());
    expect(result.text.startsWith('version: 1\nsources:\n    a:\n        type: Stripe\n        prefix: a_\n\n    # Imported')).toBe(true);
    expect(result.text.endsWith('\n\n# end of sources\nunmanaged:\n  ignore: []\n')).toBe(true);
    expect(result.text).toContain('\n    b:\n      type: Stripe\n      prefix: b_\n');
  });

  it('creates the sources mapping when the file has none, or has it in flow style', () => {
    for (const text of ['version: 1\n', 'version: 1\nsources: {}\n']) {
      const target = readMergeTarget(text);
      if (!target.ok) throw new Error(target.problem);
      const result = mergeSources(text, target, [stripe('b_')], bundledCatalog());
      expect(result.text).toMatch(/^version: 1\n\n?sources:\n {2}# Imported[^\n]*\n {2}b:\n {4}type: Stripe\n/);
    }
  });

  it('refuses a file that is not YAML or not shaped as a warehouse file', () => {
    expect(readMergeTarget('sources: [unclosed\n')).toMatchObject({ ok: false });
    expect(readMergeTarget('- a\n- b\n')).toEqual({ ok: false, problem: 'its top level is not a mapping; run dwctl lint' });
    expect(readMergeTarget('version: 1\nsources: [a]\n')).toEqual({ ok: false, problem: '"sources" is not a mapping; run dwctl lint' });
  });

  it('reads the unmanaged.ignore patterns of the file', () => {
    const target = readMergeTarget('version: 1\nunmanaged: {ignore: ["Stripe:legacy_*", "bad-"]}\nsources: {}\n');
    expect(target.ok && target.declared.ignore.map((p) => p.text)).toEqual(['Stripe:legacy_*']);
  });
});
