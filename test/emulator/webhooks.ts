/** The Stripe webhook flow (API.md §7): webhook_info, create_webhook, update_webhook_inputs, delete_webhook. */
import { randomBytes } from 'node:crypto';

import type { Context } from './context.js';
import {
  allKnownWebhookEvents,
  stripeObjectType,
  stripeWebhookWrite,
  WEBHOOK_OAUTH_DENIED,
  WEBHOOK_READ_DENIED,
  WEBHOOK_WRITE_DENIED,
} from './drivers/stripe.js';
import { HttpReply, message } from './responses.js';
import { wizard } from './source-config.js';
import type { HogFunctionRow, SourceRow } from './state.js';

const DESCRIPTION = 'PostHog data warehouse webhook';

const webhookFieldNames = (source: SourceRow): string[] => (wizard()[source.sourceType]?.webhookFields ?? []).map((f) => f.name);
const supportsWebhooks = (source: SourceRow): boolean => webhookFieldNames(source).length > 0;

export function webhookUrl(ctx: Context, fn: HogFunctionRow): string {
  return `${ctx.options.webhookHost}/public/webhooks/dwh/${fn.id}`;
}

/** schema_mapping for the source's enabled webhook schemas: Stripe object type -> schema id. */
function desiredMapping(ctx: Context, source: SourceRow): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const schema of ctx.state.liveSchemasOf(source.id)) {
    if (schema.syncType !== 'webhook' || !schema.shouldSync) continue;
    const objectType = stripeObjectType(schema.name);
    if (objectType) mapping[objectType] = schema.id;
  }
  return mapping;
}

/** Create the HogFunction, or merge the mapping into the existing one. */
function upsertHogFunction(ctx: Context, source: SourceRow): HogFunctionRow {
  const mapping = desiredMapping(ctx, source);
  if (source.hogFunction) {
    source.hogFunction.schemaMapping = { ...source.hogFunction.schemaMapping, ...mapping };
    return source.hogFunction;
  }
  source.hogFunction = {
    id: ctx.state.newId(),
    name: `${source.sourceType} warehouse source webhook`,
    enabled: false,
    createdAt: new Date().toISOString().replace('Z', '000+00:00'),
    schemaMapping: mapping,
    inputs: {},
  };
  return source.hogFunction;
}

/**
 * `webhook_endpoints.create` on the provider. Returns null on success (endpoint counted, secret
 * stored, function enabled), else the user-facing refusal.
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
  fn.enabled = true;
  return null;
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
  const canRead = stripeWebhookWrite(source.jobInputs, ctx.options.stripeKeys) === true;
  const endpoint = [...source.endpoints].reverse().find((e) => !e.deleted && e.url === url);
  let externalStatus: Record<string, unknown>;
  let missingEvents: string[] = [];
  if (!canRead) {
    // [inferred] a key without webhook access can't read endpoints either; PostHog reports that in `error`.
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
  const fn = upsertHogFunction(ctx, source);
  for (const [k, v] of Object.entries(inputs)) if (v.trim()) fn.inputs[k] = v.trim();
  const error = registerExternalEndpoint(ctx, source, fn);
  // A manually supplied secret is enough for the function to verify deliveries.
  if (error && pendingInputs(source, fn).length === 0) fn.enabled = true;
  return { success: error === null, webhook_url: webhookUrl(ctx, fn), error, pending_inputs: pendingInputs(source, fn) };
}

export function updateWebhookInputs(source: SourceRow, body: Record<string, unknown>): Record<string, unknown> {
  requireConfiguredWebhookSource(source);
  const inputs = body.inputs;
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs) || Object.keys(inputs).length === 0) throw message('No inputs provided');
  const allowed = webhookFieldNames(source);
  const unknown = Object.keys(inputs).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw message(`Invalid input keys: ${unknown.join(', ')}`);
  const blank = Object.entries(inputs as Record<string, unknown>).filter(([, v]) => typeof v !== 'string' || v.trim() === '').map(([k]) => k);
  if (blank.length > 0) throw message(`Missing required fields: ${blank.join(', ')}`);
  const fn = source.hogFunction;
  if (!fn) throw message('No webhook function found for this source. Create a webhook first.');
  for (const [k, v] of Object.entries(inputs as Record<string, string>)) fn.inputs[k] = v.trim();
  fn.enabled = true;
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
 * Schema PATCH to sync_type webhook (API.md §7 last bullet): when no function exists yet it is created
 * and registered; a registration the provider would refuse refuses the PATCH (checked before writing).
 */
export function webhookRegistrationRefusal(ctx: Context, source: SourceRow): HttpReply | null {
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

/** Reconcile the existing function's mapping, or create and register one (refusals were checked first). */
export function ensureWebhookForSchemas(ctx: Context, source: SourceRow): void {
  const existed = source.hogFunction !== null;
  const fn = upsertHogFunction(ctx, source);
  if (!existed) registerExternalEndpoint(ctx, source, fn);
}
