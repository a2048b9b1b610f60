import { describe, expect, it } from 'vitest';
import { cdcSourceTypes, offeredSyncTypes, primaryKeySource, sourceModule, unavailableReason } from '../../src/sources/index.js';
import { bundledCatalog } from '../../src/sources/catalog.js';
import { table } from '../helpers/plan-fixtures.js';

describe('source modules', () => {
  it('the catalog and the modules agree on which types have CDC (and xmin)', () => {
    const catalog = bundledCatalog();
    const withCdc = [...catalog.values()].filter((t) => t.supportsCdc).map((t) => t.name).sort();
    expect(withCdc).toEqual(cdcSourceTypes().sort());
    for (const type of catalog.values()) expect(type.syncTypes.includes('cdc'), type.name).toBe(sourceModule(type.name).cdc !== undefined);
  });

  it('types without special rules get the generic module', () => {
    expect(sourceModule('Hubspot').type).toBeNull();
    expect(sourceModule('Hubspot').cdc).toBeUndefined();
    expect(sourceModule('Postgres').type).toBe('Postgres');
  });

  it('Postgres CDC maps the file to the create payload keys (API.md §2.3)', () => {
    const cdc = sourceModule('Postgres').cdc!;
    expect(cdc.createInputs(null)).toEqual({ cdc_enabled: true, cdc_management_mode: 'posthog' });
    expect(cdc.createInputs({ management: 'self_managed', slot_name: 'slot', publication_name: 'pub', auto_drop_slot: false, table_mode: 'both' })).toEqual({
      cdc_enabled: true,
      cdc_management_mode: 'self_managed',
      cdc_slot_name: 'slot',
      cdc_publication_name: 'pub',
      cdc_auto_drop_slot: false,
    });
    expect(cdc.defaultTableMode).toBe('consolidated');
    expect(cdc.defaultFrequency).toBe('5min');
  });

  it('Postgres CDC maps the file to the prerequisite check (API.md §8) and job_inputs back to the file (import)', () => {
    const cdc = sourceModule('Postgres').cdc!;
    expect(cdc.prerequisitesInputs(null, ['orders'])).toEqual({ cdc_management_mode: 'posthog', tables: ['orders'], cdc_slot_name: null, cdc_publication_name: null });
    expect(cdc.fromJobInputs({ host: 'h' })).toBeUndefined();
    expect(cdc.fromJobInputs({ cdc_enabled: true, cdc_management_mode: 'self_managed', cdc_slot_name: 's', cdc_publication_name: 'p' })).toEqual({ management: 'self_managed', slot_name: 's', publication_name: 'p' });
  });

  it('primary keys are stored only where PostHog uses them (API.md §12)', () => {
    expect(primaryKeySource('incremental')).toBe('declared-or-detected');
    expect(primaryKeySource('append')).toBe('declared-or-detected');
    expect(primaryKeySource('cdc')).toBe('detected');
    for (const sync of ['full_refresh', 'xmin', 'webhook'] as const) expect(primaryKeySource(sync)).toBe('none');
  });

  it('sync-type availability is read from discovery in one place', () => {
    const plain = table('t', { fields: [['id', 'integer']], cdc_available: null, xmin_available: false });
    expect(offeredSyncTypes(plain)).toEqual(['full_refresh', 'incremental', 'append']);
    expect(unavailableReason('cdc', plain)).toBe('CDC is not enabled for this PostHog project');
    const webhookOnly = table('w', { webhook_only: true, supports_webhooks: true });
    expect(offeredSyncTypes(webhookOnly)).toEqual(['webhook']);
  });
});
