import type { WebhookInfoState } from '../posthog/observed.js';
import type { SourceTypeInfo } from '../wizard/catalog.js';

/**
 * Webhook health, the one place plan, apply and status read it (setup-flow.md step 6, API.md §7, §12): a healthy
 * webhook exists, is enabled, is subscribed to every event, has no required input pending, and the provider
 * does not report its endpoint disabled. Pure: webhook_info in, health out. Missing events are reported
 * separately by plan and apply (PostHog's key may be unable to add them: only the user can, so they never make a
 * change, issue 10 item 6).
 */

/** At most this many event names are listed in a message (the rest are counted). */
const EVENTS_LISTED = 40;

/** The source's webhook as PostHog reports it (webhook_info): `status` JSON, `plan`'s `webhooks` field. */
export interface WebhookHealth {
  exists: boolean;
  enabled: boolean | null;
  url: string | null;
  /** Provider events the endpoint lacks, sorted (enable them in the provider's dashboard when PostHog's key cannot). */
  missing_events: string[];
  /** Required inputs PostHog does not hold (the signing secret, e.g. after a schema PATCH dropped it). */
  pending_inputs: string[];
  /** The endpoint's status at the provider, or why PostHog could not read it. */
  external_status: string | null;
  external_error: string | null;
  /** What is wrong, in words; empty when healthy. */
  problems: string[];
}

/** Required webhook inputs PostHog does not hold (webhook_info lists the set ones, masked). */
export function pendingWebhookInputs(type: SourceTypeInfo | undefined, inputs: Record<string, unknown> | null | undefined): string[] {
  return (type?.webhookFields ?? []).filter((f) => 'required' in f && f.required && !(inputs && f.name in inputs)).map((f) => f.name);
}

export function webhookHealth(info: WebhookInfoState, type: SourceTypeInfo | undefined): WebhookHealth {
  const health: Omit<WebhookHealth, 'problems'> = {
    exists: info.exists,
    enabled: info.exists ? (info.hog_function?.enabled ?? null) : null,
    url: info.webhook_url ?? null,
    missing_events: info.exists ? [...(info.missing_events ?? [])].sort() : [],
    pending_inputs: info.exists ? pendingWebhookInputs(type, info.inputs) : [],
    external_status: info.external_status?.status ?? null,
    external_error: info.external_status?.error ?? null,
  };
  return { ...health, problems: problemsOf(health) };
}

/** The webhook function exists and is switched off. */
export function isDisabled(health: Pick<WebhookHealth, 'exists' | 'enabled'>): boolean {
  return health.exists && health.enabled === false;
}

/** PostHog's webhook waits for the signing secret: the provider refused its registration, or a PATCH dropped it. */
export function awaitsInputs(health: Pick<WebhookHealth, 'exists' | 'enabled' | 'pending_inputs'>): boolean {
  return isDisabled(health) || health.pending_inputs.length > 0;
}

/** The provider's endpoint status when it is known and not "enabled". */
export function unhealthyStatus(health: Pick<WebhookHealth, 'external_status'>): string | null {
  return health.external_status !== null && health.external_status !== 'enabled' ? health.external_status : null;
}

function problemsOf(health: Omit<WebhookHealth, 'problems'>, options: { ignoreMissingEvents?: boolean } = {}): string[] {
  const problems: string[] = [];
  if (!health.exists) problems.push('no webhook exists');
  if (isDisabled(health)) problems.push('the webhook function is disabled');
  if (!options.ignoreMissingEvents && health.missing_events.length > 0) problems.push(health.missing_events.length === 1 ? '1 event is not subscribed' : `${health.missing_events.length} events are not subscribed`);
  if (health.pending_inputs.length > 0) problems.push(`inputs pending: ${health.pending_inputs.join(', ')}`);
  const status = unhealthyStatus(health);
  if (status) problems.push(`the endpoint's status at the provider is ${status}`);
  return problems;
}

/** What is wrong with a webhook, in words; empty when it is healthy. */
export function webhookProblems(health: WebhookHealth, options: { ignoreMissingEvents?: boolean } = {}): string[] {
  return options.ignoreMissingEvents ? problemsOf(health, options) : health.problems;
}

/** "a, b, … and N more (WHERE)": the events named in a message, at most EVENTS_LISTED of them. */
function listEvents(missing: readonly string[], where: string): string {
  const more = missing.length > EVENTS_LISTED ? ` and ${missing.length - EVENTS_LISTED} more (${where})` : '';
  return `${missing.slice(0, EVENTS_LISTED).join(', ')}${more}`;
}

/** Apply's note: "The webhook endpoint for URL misses N events …: a, b, …" (listed under "Action needed"). */
export function missingEventsText(missing: readonly string[], url: string | null | undefined): string {
  return `The webhook endpoint${url ? ` for ${url}` : ''} misses ${missing.length} event${missing.length === 1 ? '' : 's'} PostHog's key cannot add; enable ${missing.length === 1 ? 'it' : 'them'} on that endpoint in the provider's dashboard: ${listEvents(missing, 'dwctl plan --format json lists them under webhooks')}.`;
}

/** Plan's webhook-missing-events warning, or undefined when nothing is missing. */
export function missingEventsWarning(source: string, health: WebhookHealth): string | undefined {
  const missing = health.missing_events;
  if (!health.exists || missing.length === 0) return undefined;
  return (
    `The webhook endpoint of ${source}${health.url ? ` (${health.url})` : ''} lacks ${missing.length} event${missing.length === 1 ? '' : 's'} PostHog's key has not added: ${listEvents(missing, 'plan --format json lists them under webhooks')}. ` +
    "Enable them on that endpoint in the provider's dashboard (Stripe: Developers → Webhooks). PostHog adds them itself only when its key may write webhook endpoints and a table switches to webhook sync."
  );
}
