/**
 * Hubspot, emulated: an OAuth source (API.md §3 "oauth" field) whose credential is the id of a Hubspot
 * integration in the project, with a static catalog of CRM objects. Hubspot objects carry
 * `lastmodifieddate`/`createdate`, so the realistic incremental fields are those datetimes.
 */
import { type DiscoveredTable, DriverError, type IncrementalField, type SourceDriver } from './types.js';

/** What PostHog answers when the integration id names no Hubspot integration of this project. */
export const HUBSPOT_INTEGRATION_MISSING = "We couldn't validate those credentials. Check they're correct and have the required access, then try again.";

const datetime = (name: string): IncrementalField => ({ label: name, type: 'datetime', field: name, field_type: 'datetime' });

/** Object -> incremental candidates (empty = full refresh only). */
const OBJECTS: ReadonlyArray<readonly [string, IncrementalField[]]> = [
  ['contacts', [datetime('lastmodifieddate'), datetime('createdate')]],
  ['companies', [datetime('hs_lastmodifieddate'), datetime('createdate')]],
  ['deals', [datetime('hs_lastmodifieddate'), datetime('createdate')]],
  ['tickets', [datetime('hs_lastmodifieddate'), datetime('createdate')]],
  ['quotes', [datetime('hs_lastmodifieddate'), datetime('hs_createdate')]],
  ['emails', [datetime('hs_lastmodifieddate'), datetime('hs_createdate')]],
  ['meetings', [datetime('hs_lastmodifieddate'), datetime('hs_createdate')]],
  ['owners', []],
];

function entry(name: string, fields: IncrementalField[], cdcEnabledForTeam: boolean): DiscoveredTable {
  return {
    table: name,
    label: null,
    should_sync: false,
    incremental_fields: fields,
    incremental_available: fields.length > 0,
    append_available: false,
    cdc_available: cdcEnabledForTeam ? false : null,
    xmin_available: null,
    incremental_field: fields[0]?.field ?? null,
    sync_type: null,
    rows: null,
    supports_webhooks: false,
    webhook_only: false,
    description: null,
    should_sync_default: true,
    available_columns: [],
    detected_primary_keys: null,
    primary_key_detection_supported: false,
    permission_error: null,
    rls_warning: null,
  };
}

export function createHubspotDriver(integrations: Record<number, string>): SourceDriver {
  const check = (config: Record<string, unknown>): void => {
    const id = Number(config.hubspot_integration_id);
    if (!Number.isInteger(id) || integrations[id] !== 'hubspot') throw new DriverError(HUBSPOT_INTEGRATION_MISSING);
  };
  return {
    async validateCredentials(config) {
      check(config);
    },
    async discover(config, { cdcEnabledForTeam }) {
      check(config);
      return OBJECTS.map(([name, fields]) => entry(name, fields, cdcEnabledForTeam));
    },
  };
}
