/** The Stripe webhook flow (API.md §7): webhook_info, create_webhook, update_webhook_inputs, delete_webhook. */
import { randomBytes } from 'node:crypto';

import type { Context } from './context.js';
import {
  allKnownWebhookEvents,
  stripeObjectType,
  stripeWebhookRead,
  stripeWebhookWrite,
  WEBHOOK_OAUTH_DENIED,
  WEBHOOK_READ_DENIED,
  WEBHOOK_WRITE_DENIED,
} from './drivers/stripe.js';
import { HttpReply, message } from './responses.js';
import { wizard } from './source-config.js';
import type { ExternalEndpoint, HogFunctionRow, SchemaRow, SourceRow } from './state.js';

const DESCRIPTION = 'PostHog data warehouse webhook';

const webhookFieldNames = (source: SourceRow): string[] => (wizard()[source.sourceType]?.webhookFields ?? []).map((f) => f.name);
const supportsWebhooks = (source: SourceRow): boolean => webhookFieldNames(source).length > 0;

export function webhookUrl(ctx: Context, fn: HogFunctionRow): string {
  return `${ctx.options.webhookHost}/public/webhooks/dwh/${fn.id}`;
}

/** The source's webhook-capable tables synced by webhook (create_webhook's eligible schemas). */
function enabledWebhookSchemas(ctx: Context, source: SourceRow): SchemaRow[] {
  return ctx.state.liveSchemasOf(source.id).filter((s) => s.syncType === 'webhook' && s.shouldSync && s.discovered?.supports_webhooks === true);
}

/**
 * get_or_create_webhook_hog_function: `update_or_create(..., defaults={"inputs": {schema_mapping,
 * source_id}})` REPLACES the function's inputs wholesale (a signing secret stored earlier is gone),
 * then merges the previous schema mapping back in; the function is always enabled (API.md §12).
 */
function getOrCreateHogFunction(ctx: Context, source: SourceRow, eligible: SchemaRow[]): { fn: HogFunctionRow; created: boolean } {
  const mapping: Record<string, string> = {};
  for (const schema of eligible) mapping[stripeObjectType(schema.name) ?? schema.name] = schema.id;
  const existing = source.hogFunction;
  if (existing) {
    existing.inputs = {};
    existing.schemaMapping = { ...existing.schemaMapping, ...mapping };
    existing.enabled = true;
    return { fn: existing, created: false };
  }
  source.hogFunction = {
    id: ctx.state.newId(),
    name: `${source.sourceType} warehouse source webhook`,
    enabled: true,
    createdAt: new Date().toISOString().replace('Z', '000+00:00'),
    schemaMapping: mapping,
    inputs: {},
  };
  return { fn: source.hogFunction, created: true };
}

/**
 * `webhook_endpoints.create` on the provider (create_and_register_webhook). Returns null on success
 * (a NEW endpoint every call, its secret stored as the function's signing_secret), else the refusal.
 */
function registerExternalEndpoint(ctx: Context, source: SourceRow, fn: HogFunctionRow): string | null {
  const canWrite = stripeWebhookWrite(source.jobInputs, ctx.options.stripeKeys);
  if (canWrite === null) return WEBHOOK_OAUTH_DENIED;
  if (!canWrite) return WEBHOOK_WRITE_DENIED;
  const secret = `whsec_${randomBytes(16).toString('hex')}`;
  source.endpoints.push({
    id: `we_${randomBytes(12).toString('hex')}`,
    url: webhookUrl(ctx, fn),
    secret,
    enabledEvents: allKnownWebhookEvents(),
    createdAt: Math.floor(Date.now() / 1000),
    deleted: false,
  });
  fn.inputs.signing_secret = secret;
  return null;
}

/** The live provider endpoint behind the function's URL (the newest one when several were registered). */
function endpointFor(ctx: Context, source: SourceRow, fn: HogFunctionRow): ExternalEndpoint | undefined {
  const url = webhookUrl(ctx, fn);
  return [...source.endpoints].reverse().find((e) => !e.deleted && e.url === url);
}

/**
 * sync_webhook_events (Stripe update_webhook_events): put every desired event on the endpoint. Needs
 * the key's webhook write permission; failures are logged by PostHog, never returned (API.md §12).
 */
function reconcileWebhookEvents(ctx: Context, source: SourceRow, fn: HogFunctionRow): void {
  if (stripeWebhookWrite(source.jobInputs, ctx.options.stripeKeys) !== true) return;
  const endpoint = endpointFor(ctx, source, fn);
  if (!endpoint) return;
  endpoint.enabledEvents = [...new Set([...endpoint.enabledEvents, ...allKnownWebhookEvents()])];
}

/**
 * A Stripe endpoint the user added by hand in Stripe's dashboard (not through PostHog), pointing at the
 * source's webhook URL with the events they picked. Test control (`POST /_emulator/stripe/endpoints`).
 */
export function addManualEndpoint(ctx: Context, source: SourceRow, enabledEvents: string[]): ExternalEndpoint {
  if (!source.hogFunction) throw new Error('the source has no webhook function yet (call create_webhook first)');
  const endpoint: ExternalEndpoint = {
    id: `we_${randomBytes(12).toString('hex')}`,
    url: webhookUrl(ctx, source.hogFunction),
    secret: `whsec_${randomBytes(16).toString('hex')}`,
    enabledEvents,
    createdAt: Math.floor(Date.now() / 1000),
    deleted: false,
  };
  source.endpoints.push(endpoint);
  return endpoint;
}

function pendingInputs(source: SourceRow, fn: HogFunctionRow): string[] {
  const fields = wizard()[source.sourceType]?.webhookFields ?? [];
  return fields.filter((f) => f.required === true && !fn.inputs[f.name]).map((f) => f.name);
}

function requireConfiguredWebhookSource(source: SourceRow): void {
  if (Object.keys(source.jobInputs).length === 0) throw message('Source has no configuration');
  if (!supportsWebhooks(source)) throw message('This source type does not support webhooks');
}

export function webhookInfo(ctx: Context, source: SourceRow): Record<string, unknown> {
  if (!supportsWebhooks(source)) {
    return { supports_webhooks: false, exists: false, auto_creation_blocked_reason: null, hog_function: null, webhook_url: null, schema_mapping: {}, external_status: null };
  }
  const fn = source.hogFunction;
  if (!fn) {
    return {
      supports_webhooks: true, exists: false, auto_creation_blocked_reason: null, hog_function: null, webhook_url: null,
      schema_mapping: {}, inputs: {}, external_status: null, missing_events: [],
    };
  }
  const url = webhookUrl(ctx, fn);
  const desiredEvents = allKnownWebhookEvents();
  // webhook_endpoints.list needs 'Read' on 'Webhook endpoints'; adding events needs 'Write' (reconcileWebhookEvents).
  const canRead = stripeWebhookRead(source.jobInputs, ctx.options.stripeKeys);
  const endpoint = endpointFor(ctx, source, fn);
  let externalStatus: Record<string, unknown>;
  let missingEvents: string[] = [];
  if (!canRead) {
    // A key without webhook read access can't list endpoints; PostHog reports that in `error` (API.md §7).
    externalStatus = { exists: false, url: null, enabled_events: [], status: null, description: null, created_at: null, api_version: null, error: WEBHOOK_READ_DENIED };
  } else if (!endpoint) {
    externalStatus = { exists: false, url: null, enabled_events: [], status: null, description: null, created_at: null, api_version: null, error: null };
  } else {
    externalStatus = {
      exists: true, url: endpoint.url, enabled_events: endpoint.enabledEvents, status: 'enabled', description: DESCRIPTION,
      created_at: String(endpoint.createdAt), api_version: null, error: null,
    };
    missingEvents = desiredEvents.filter((e) => !endpoint.enabledEvents.includes(e));
  }
  return {
    supports_webhooks: true,
    exists: true,
    auto_creation_blocked_reason: null,
    hog_function: { id: fn.id, name: fn.name, enabled: fn.enabled, created_at: fn.createdAt, status: { state: 1, tokens: 10000 } },
    webhook_url: url,
    schema_mapping: fn.schemaMapping,
    // Secrets are masked: only "is set" is visible ([mask format inferred], API.md §7).
    inputs: Object.fromEntries(Object.keys(fn.inputs).filter((k) => webhookFieldNames(source).includes(k)).map((k) => [k, { secret: true }])),
    external_status: externalStatus,
    missing_events: missingEvents,
  };
}

function validateInputs(source: SourceRow, inputs: unknown): Record<string, string> {
  if (inputs === undefined) return {};
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) throw message('Invalid webhook inputs');
  const allowed = webhookFieldNames(source);
  const entries = Object.entries(inputs as Record<string, unknown>);
  if (entries.some(([k, v]) => !allowed.includes(k) || typeof v !== 'string')) throw message('Invalid webhook inputs');
  return Object.fromEntries(entries) as Record<string, string>;
}

export function createWebhook(ctx: Context, source: SourceRow, body: Record<string, unknown>): Record<string, unknown> {
  requireConfiguredWebhookSource(source);
  const inputs = validateInputs(source, body.inputs);
  const { fn } = getOrCreateHogFunction(ctx, source, enabledWebhookSchemas(ctx, source));
  // store_webhook_extra_inputs: stored before the provider call, so a failed registration keeps them.
  for (const [k, v] of Object.entries(inputs)) fn.inputs[k] = v;
  const error = registerExternalEndpoint(ctx, source, fn);
  return { success: error === null, webhook_url: webhookUrl(ctx, fn), error, pending_inputs: pendingInputs(source, fn).filter((n) => !(n in inputs)) };
}

export function updateWebhookInputs(source: SourceRow, body: Record<string, unknown>): Record<string, unknown> {
  requireConfiguredWebhookSource(source);
  const inputs = body.inputs;
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs) || Object.keys(inputs).length === 0) throw message('No inputs provided');
  const allowed = webhookFieldNames(source);
  const unknown = Object.keys(inputs).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw message(`Invalid input keys: ${unknown.join(', ')}`);
  // Python truthiness: only a required field sent empty (or null) is "missing".
  const required = (wizard()[source.sourceType]?.webhookFields ?? []).filter((f) => f.required === true).map((f) => f.name);
  const blank = required.filter((k) => k in (inputs as Record<string, unknown>) && !(inputs as Record<string, unknown>)[k]);
  if (blank.length > 0) throw message(`Missing required fields: ${blank.join(', ')}`);
  const fn = source.hogFunction;
  if (!fn) throw message('No webhook function found for this source. Create a webhook first.');
  for (const [k, v] of Object.entries(inputs as Record<string, unknown>)) fn.inputs[k] = String(v);
  return { success: true };
}

export function deleteWebhook(ctx: Context, source: SourceRow): Record<string, unknown> {
  const using = ctx.state.liveSchemasOf(source.id).filter((s) => s.syncType === 'webhook' && s.shouldSync).map((s) => s.name).sort();
  if (using.length > 0) {
    throw message(
      `Cannot delete webhook while tables are using webhook sync: ${using.join(', ')}. Switch them to full refresh, incremental, or disable syncing first.`,
    );
  }
  const fn = source.hogFunction;
  source.hogFunction = null;
  let externalDeleted = false;
  if (fn) {
    for (const endpoint of source.endpoints) {
      if (!endpoint.deleted && endpoint.url === webhookUrl(ctx, fn)) {
        endpoint.deleted = true;
        externalDeleted = true;
      }
    }
  }
  return { success: true, external_deleted: externalDeleted, error: null };
}

/**
 * Schema PATCH with sync_type webhook (serializer `_maybe_create_webhook`, API.md §12): with no function
 * yet, one is created and registered, and a refused registration fails the PATCH (rolled back, so it
 * is checked before anything is written). Returns that refusal, or null.
 */
export function webhookStepRefusal(ctx: Context, source: SourceRow, schema: SchemaRow): HttpReply | null {
  if (Object.keys(source.jobInputs).length === 0 || !supportsWebhooks(source) || schema.discovered?.supports_webhooks !== true) return null;
  if (source.hogFunction) return null;
  const canWrite = stripeWebhookWrite(source.jobInputs, ctx.options.stripeKeys);
  if (canWrite === true) return null;
  const error = canWrite === null ? WEBHOOK_OAUTH_DENIED : WEBHOOK_WRITE_DENIED;
  return new HttpReply(400, {
    type: 'validation_error',
    code: 'invalid_input',
    detail: `Failed to register webhook on your source: ${error}. You can set up the webhook manually from the Webhook tab.`,
    attr: null,
  });
}

/**
 * The webhook step of that PATCH, after the schema was saved (even with should_sync false): the
 * function is created and registered, or, when it exists, its inputs are REPLACED by {schema_mapping
 * (merged), source_id} — wiping a signing secret — and the endpoint's events reconciled.
 */
export function runWebhookStep(ctx: Context, source: SourceRow, schema: SchemaRow): void {
  if (Object.keys(source.jobInputs).length === 0 || !supportsWebhooks(source) || schema.discovered?.supports_webhooks !== true) return;
  const { fn, created } = getOrCreateHogFunction(ctx, source, [schema]);
  if (created) registerExternalEndpoint(ctx, source, fn);
  else reconcileWebhookEvents(ctx, source, fn);
}
