/**
 * The webhook step of apply, in the order PostHog's code needs (API.md §7, §12):
 *
 * 1. register: create_webhook only when webhook_info says no webhook exists (each successful call registers
 *    another endpoint at the provider);
 * 2. the tables' schema PATCHes that set `sync_type: webhook` (apply.ts). Each one runs PostHog's webhook step,
 *    whose `update_or_create` REPLACES the function's inputs: a signing secret stored earlier is gone;
 * 3. finish: repair missing events (itself such a PATCH), then store the signing secret last, then verify.
 *
 * The secret dwctl can store is the one the file declares (webhook.signing_secret). One PostHog registered by
 * itself is never returned by reads, so once a PATCH dropped it only the file's secret can restore it: plan
 * refuses a change that would drop it without one (webhook-secret-dropped).
 */
import type { WebhookInfoState } from '../plan/observed.js';
import type { SourceTypeInfo } from '../wizard/catalog.js';
import type { PostHogWriter, SourceInputs } from './apply.js';
import { isAmbiguous } from './request-errors.js';

/** At most this many event names are listed in a message (the rest are counted). */
const EVENTS_LISTED = 40;

function declaredSecret(inputs: SourceInputs): string | undefined {
  const secret = inputs.webhook?.signing_secret;
  return typeof secret === 'string' && secret !== '' ? secret : undefined;
}

/**
 * Step 1: make sure a webhook function exists. Returns a note for the user, if any. Throws when PostHog could
 * not register the endpoint and the file gives no signing secret to finish a hand registration with.
 */
export async function registerWebhook(client: PostHogWriter, sourceId: string, inputs: SourceInputs): Promise<string | undefined> {
  let info = await client.webhookInfo(sourceId);
  if (info.exists) return undefined;
  let created: Awaited<ReturnType<PostHogWriter['createWebhook']>> | undefined;
  try {
    created = await client.createWebhook(sourceId);
  } catch (error) {
    if (!isAmbiguous(error)) throw error;
    info = await client.webhookInfo(sourceId);
    if (!info.exists) created = await client.createWebhook(sourceId);
  }
  if (created && !created.success) {
    const url = created.webhook_url ?? '(see the source in PostHog)';
    if (declaredSecret(inputs) === undefined) {
      throw new Error(
        `PostHog could not register the webhook: ${created.error ?? 'unknown reason'} Register ${url} in the source's dashboard by hand, put its signing secret in webhook.signing_secret (as a reference), and run apply again.`,
      );
    }
    return `PostHog could not register the webhook itself (${created.error ?? 'no reason given'}); the configured signing secret is stored. Register this URL in the source's dashboard if it is not there yet: ${url}`;
  }
  return undefined;
}

/**
 * Steps 1 and 3, after the source's table changes: register if still needed, repair missing events once, store
 * the declared signing secret when PostHog lacks it, verify. Returns a note for the user, if any.
 */
export async function ensureWebhook(client: PostHogWriter, sourceId: string, inputs: SourceInputs): Promise<string | undefined> {
  let note = await registerWebhook(client, sourceId, inputs);
  let info = await client.webhookInfo(sourceId);
  const secret = declaredSecret(inputs);

  const missingBefore = info.exists ? [...(info.missing_events ?? [])] : [];
  if (missingBefore.length > 0 && secret !== undefined) {
    // A second create_webhook would register a second endpoint. PostHog reconciles the endpoint's events when
    // a table is set to webhook sync (API.md §2.13); that PATCH drops the signing secret, stored again below.
    // Without a declared secret this repair would break the webhook, so the events are left to the user.
    const webhookTable = (await client.getSource(sourceId)).schemas.find((s) => s.should_sync && s.sync_type === 'webhook');
    if (webhookTable) {
      await client.updateSchema(webhookTable.id, { sync_type: 'webhook' });
      info = await client.webhookInfo(sourceId);
    }
  }

  // Last: the signing secret, after every PATCH that could have dropped it.
  if (info.exists && needsInputs(info, inputs.info)) {
    if (secret === undefined) {
      throw new Error(
        `The webhook is waiting for its signing secret (PostHog could not register the endpoint, or a table switched to webhook sync dropped the secret PostHog had stored): register ${info.webhook_url ?? "the source's webhook URL (see PostHog)"} in the source's dashboard by hand if it is not there yet, put its signing secret in webhook.signing_secret (as a reference), and run apply again.`,
      );
    }
    await client.updateWebhookInputs(sourceId, { signing_secret: secret });
    note ??= `The configured signing secret is stored. Register this URL in the source's dashboard if it is not there yet: ${info.webhook_url ?? '(see the source in PostHog)'}`;
    info = await client.webhookInfo(sourceId);
  }

  const problems = verifyWebhook(info, inputs.info, { ignoreMissingEvents: true });
  if (problems.length > 0) throw new Error(`The webhook is not healthy after apply: ${problems.join('; ')}.${info.webhook_url ? ` URL: ${info.webhook_url}` : ''}`);
  const missing = info.exists ? [...(info.missing_events ?? [])].sort() : [];
  if (missing.length > 0) {
    // PostHog's key cannot add them (or the repair was not safe): only the user can, in the provider's dashboard.
    throw new Error(`Action needed: ${missingEventsText(missing, info.webhook_url)}`);
  }
  // PostHog could not read the endpoint at the provider (typically a key without webhook read access,
  // the same key that could not register it): not a failure, plan treats it as healthy too, but say so.
  const external = info.external_status?.error;
  if (external) note = `${note ? `${note} ` : ''}PostHog cannot check the endpoint at the provider: ${external}`;
  return note;
}

/** "add these N events to the endpoint URL in Stripe's dashboard: a, b, …" */
export function missingEventsText(missing: readonly string[], url: string | null | undefined): string {
  const listed = missing.slice(0, EVENTS_LISTED).join(', ');
  const more = missing.length > EVENTS_LISTED ? ` and ${missing.length - EVENTS_LISTED} more (see webhook_info's missing_events)` : '';
  return `the webhook endpoint${url ? ` for ${url}` : ''} misses ${missing.length} events PostHog's key cannot add; enable them on that endpoint in the provider's dashboard: ${listed}${more}.`;
}

function needsInputs(info: WebhookInfoState, type: SourceTypeInfo | undefined): boolean {
  return pendingWebhookInputs(info, type).length > 0 || info.hog_function?.enabled === false;
}

/** Required webhook inputs PostHog does not hold (webhook_info lists set inputs, masked). */
export function pendingWebhookInputs(info: Pick<WebhookInfoState, 'inputs'>, type: SourceTypeInfo | undefined): string[] {
  return (type?.webhookFields ?? []).filter((f) => 'required' in f && f.required && !(info.inputs && f.name in info.inputs)).map((f) => f.name);
}

/** A healthy webhook: exists, enabled, every event subscribed, no input pending (setup-flow.md step 6). */
export function verifyWebhook(info: WebhookInfoState, type: SourceTypeInfo | undefined, options: { ignoreMissingEvents?: boolean } = {}): string[] {
  const problems: string[] = [];
  if (!info.exists) problems.push('no webhook exists');
  if (info.hog_function?.enabled === false) problems.push('the webhook function is disabled');
  if (!options.ignoreMissingEvents && (info.missing_events ?? []).length > 0) problems.push(`${info.missing_events!.length} events are not subscribed`);
  const pending = pendingWebhookInputs(info, type);
  if (pending.length > 0) problems.push(`inputs pending: ${pending.join(', ')}`);
  const status = info.external_status?.status;
  if (status !== undefined && status !== null && status !== 'enabled') problems.push(`the endpoint's status at the provider is ${status}`);
  return problems;
}
