import type { WebhookInfoState } from '../posthog/observed.js';
import type { SourceTypeInfo } from '../wizard/catalog.js';

/**
 * Webhook health, the one place plan, apply and status read it (setup-flow.md step 6, API.md §7): a healthy
 * webhook exists, is enabled, is subscribed to every event, has no required input pending, and the provider
 * does not report its endpoint disabled.
 */

/** At most this many event names are listed in a message (the rest are counted). */
const EVENTS_LISTED = 40;

/** Required webhook inputs PostHog does not hold (webhook_info lists the set ones, masked). */
export function pendingWebhookInputs(type: SourceTypeInfo | undefined, inputs: Record<string, unknown> | null | undefined): string[] {
  return (type?.webhookFields ?? []).filter((f) => 'required' in f && f.required && !(inputs && f.name in inputs)).map((f) => f.name);
}

export interface WebhookHealth {
  exists: boolean;
  disabled: boolean;
  /** Provider events the endpoint lacks, sorted. */
  missingEvents: string[];
  pendingInputs: string[];
  /** The provider's endpoint status when it is known and not "enabled". */
  unhealthyStatus: string | null;
}

export function webhookHealth(info: WebhookInfoState, type: SourceTypeInfo | undefined): WebhookHealth {
  const status = info.external_status?.status;
  return {
    exists: info.exists,
    disabled: info.exists && info.hog_function?.enabled === false,
    missingEvents: info.exists ? [...(info.missing_events ?? [])].sort() : [],
    pendingInputs: info.exists ? pendingWebhookInputs(type, info.inputs) : [],
    unhealthyStatus: status !== undefined && status !== null && status !== 'enabled' ? status : null,
  };
}

/** What is wrong with a webhook, in words; empty when it is healthy. */
export function webhookProblems(info: WebhookInfoState, type: SourceTypeInfo | undefined, options: { ignoreMissingEvents?: boolean } = {}): string[] {
  const health = webhookHealth(info, type);
  const problems: string[] = [];
  if (!health.exists) problems.push('no webhook exists');
  if (health.disabled) problems.push('the webhook function is disabled');
  if (!options.ignoreMissingEvents && health.missingEvents.length > 0) problems.push(`${health.missingEvents.length} events are not subscribed`);
  if (health.pendingInputs.length > 0) problems.push(`inputs pending: ${health.pendingInputs.join(', ')}`);
  if (health.unhealthyStatus) problems.push(`the endpoint's status at the provider is ${health.unhealthyStatus}`);
  return problems;
}

/** "the webhook endpoint for URL misses N events …: a, b, …" */
export function missingEventsText(missing: readonly string[], url: string | null | undefined): string {
  const listed = missing.slice(0, EVENTS_LISTED).join(', ');
  const more = missing.length > EVENTS_LISTED ? ` and ${missing.length - EVENTS_LISTED} more (see webhook_info's missing_events)` : '';
  return `the webhook endpoint${url ? ` for ${url}` : ''} misses ${missing.length} events PostHog's key cannot add; enable them on that endpoint in the provider's dashboard: ${listed}${more}.`;
}
