import type { CdcDialect, CdcSettings, CdcTableMode } from '../sources/index.js';
import { isSecretPath, type SourceTypeInfo, type SyncFrequency } from '../wizard/catalog.js';
import type { PlannedRequest, SecretPlaceholder } from './types.js';

/**
 * The exact PostHog requests of each change kind (API.md §2.3, §2.5, §2.6, §2.8, §2.13, §7, §12), built once
 * by the planner. Paths are relative to the project's API root; ids not known before apply are
 * `{source_id}`/`{schema_id}`; secrets are `{"$secret": PATH}` placeholders apply fills from the resolved file.
 */

const SOURCES = 'external_data_sources/';
const SCHEMAS = 'external_data_schemas/';

/**
 * The order of a source's requests. Every request of a phase is sent before the next phase starts; a failure
 * skips the later phases of that source.
 * - source: create, update (credentials included) or delete (a pruned source) the source itself;
 * - webhookFirst: on an existing source, a missing webhook is registered before tables switch to webhook
 *   sync (PostHog's schema update registers one itself otherwise, and refuses the table when the provider
 *   refuses that registration, API.md §2.13, §7);
 * - enableCdc: CDC enablement of an existing source, before its tables switch to cdc (API.md §2.12, §12);
 * - refresh: refresh_schemas, for declared tables PostHog has no schema row for yet;
 * - schemas: the tables' schema PATCHes (one bulk_update_schemas);
 * - webhook: after every PATCH that sets sync_type webhook (each one drops the signing secret, API.md §12):
 *   register, store the signing secret, verify (events PostHog's key cannot add are a note, never a request);
 * - deleteLast: the old source of a `moved_from`, only once everything before it succeeded.
 */
export const PHASE = { source: 0, webhookFirst: 1, enableCdc: 2, refresh: 3, schemas: 4, webhook: 5, deleteLast: 6 } as const;

/** The table settings PostHog will hold, as the plan shows them (a table's `after`) and its requests send them. */
export interface TableSettings {
  should_sync: boolean;
  sync_type: string;
  incremental_field: string | null;
  incremental_field_type: string | null;
  primary_key_columns: string[] | null;
  sync_frequency: SyncFrequency;
  sync_time_of_day: string | null;
  /** CDC tables only (absent otherwise): how PostHog stores the change stream (API.md §2.3, §2.13). */
  cdc_table_mode?: CdcTableMode;
}

/** A config with every non-empty secret leaf replaced by `replace(path)`: the one walk over a config's secrets. */
export function replaceSecretLeaves(config: Record<string, unknown>, info: SourceTypeInfo | undefined, replace: (path: readonly string[]) => unknown): Record<string, unknown> {
  const walk = (value: unknown, path: string[]): unknown => {
    if (info && path.length > 0 && isSecretPath(info, path) && value !== undefined && value !== null && value !== '') return replace(path);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };
  return walk(config, []) as Record<string, unknown>;
}

/** A config as a request body: every secret leaf a placeholder naming its path (`config.password`). */
export function withSecretPlaceholders(config: Record<string, unknown>, info: SourceTypeInfo | undefined): Record<string, unknown> {
  return replaceSecretLeaves(config, info, (path) => ({ $secret: ['config', ...path].join('.') }) satisfies SecretPlaceholder);
}

/** A schema entry of the create payload: PostHog ignores frequency there (API.md §2.3, §6). */
export function createSchemaEntry(name: string, s: TableSettings): Record<string, unknown> {
  return { name, ...schemaFields(s) };
}

/** A table's settings as the body of its schema PATCH (a table PostHog has no row for until refresh_schemas). */
export function enableSchemaBody(s: TableSettings): Record<string, unknown> {
  return { ...schemaFields(s), sync_frequency: s.sync_frequency };
}

function schemaFields(s: TableSettings): Record<string, unknown> {
  return {
    should_sync: true,
    sync_type: s.sync_type,
    ...(s.incremental_field ? { incremental_field: s.incremental_field, incremental_field_type: s.incremental_field_type } : {}),
    ...(s.primary_key_columns ? { primary_key_columns: s.primary_key_columns } : {}),
    sync_time_of_day: s.sync_time_of_day,
    ...(s.cdc_table_mode ? { cdc_table_mode: s.cdc_table_mode } : {}),
  };
}

export function createSourceRequest(args: {
  sourceType: string;
  prefix: string;
  description: string | null;
  config: Record<string, unknown>;
  schemas: Record<string, unknown>[];
  cdc: { dialect: CdcDialect; settings: CdcSettings | null } | undefined;
}): PlannedRequest {
  return {
    op: 'create_source',
    method: 'POST',
    path: SOURCES,
    body: {
      source_type: args.sourceType,
      prefix: args.prefix === '' ? null : args.prefix,
      description: args.description,
      payload: { ...args.config, schemas: args.schemas, ...(args.cdc ? args.cdc.dialect.createInputs(args.cdc.settings) : {}) },
    },
    phase: PHASE.source,
  };
}

/** job_inputs merge over what PostHog holds (API.md §2.5): the whole config, secrets as placeholders. */
export function updateSourceRequest(id: string, patch: { description?: string | null; job_inputs?: Record<string, unknown> }): PlannedRequest {
  return { op: 'update_source', method: 'PATCH', path: `${SOURCES}${id}/`, body: patch, phase: PHASE.source };
}

export function deleteSourceRequest(id: string, phase: number): PlannedRequest {
  return { op: 'delete_source', method: 'DELETE', path: `${SOURCES}${id}/`, body: null, phase };
}

/**
 * CDC on an existing source (API.md §2.12, §12): the dialect's management mode and slot/publication names;
 * PostHog checks the prerequisites with the credentials it stores, so this follows the source's own PATCH.
 */
export function enableCdcRequest(sourceId: string | null, body: Record<string, unknown>): PlannedRequest {
  return { op: 'enable_cdc', method: 'POST', path: `${SOURCES}${sourceId ?? '{source_id}'}/enable_cdc/`, body, phase: PHASE.enableCdc };
}

export function refreshSchemasRequest(sourceId: string): PlannedRequest {
  return { op: 'refresh_schemas', method: 'POST', path: `${SOURCES}${sourceId}/refresh_schemas/`, body: {}, phase: PHASE.refresh };
}

/** `PATCH external_data_schemas/{id}/`; schemaId null → `{schema_id}` of `table`, read at apply time. */
export function updateSchemaRequest(schemaId: string | null, table: string, body: Record<string, unknown>, phase: number = PHASE.schemas): PlannedRequest {
  return {
    op: 'update_schema',
    method: 'PATCH',
    path: `${SCHEMAS}${schemaId ?? '{schema_id}'}/`,
    body,
    phase,
    ...(schemaId === null ? { schema_of: table } : {}),
  };
}

export function createWebhookRequest(sourceId: string | null, phase: number): PlannedRequest {
  return { op: 'create_webhook', method: 'POST', path: `${SOURCES}${sourceId ?? '{source_id}'}/create_webhook/`, body: {}, phase };
}

export function updateWebhookInputsRequest(sourceId: string | null, phase: number, when?: 'webhook-not-registered'): PlannedRequest {
  return {
    op: 'update_webhook_inputs',
    method: 'POST',
    path: `${SOURCES}${sourceId ?? '{source_id}'}/update_webhook_inputs/`,
    body: { inputs: { signing_secret: { $secret: 'webhook.signing_secret' } satisfies SecretPlaceholder } },
    phase,
    ...(when ? { when } : {}),
  };
}

export function checkWebhookRequest(sourceId: string | null, phase: number): PlannedRequest {
  return { op: 'check_webhook', method: 'GET', path: `${SOURCES}${sourceId ?? '{source_id}'}/webhook_info/`, body: null, phase };
}
