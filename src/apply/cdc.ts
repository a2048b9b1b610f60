/**
 * Apply's half of CDC on an existing source (API.md §2.12, §12; plan/cdc-enable.ts): the planned
 * `POST {id}/enable_cdc/` (phase 2: after the source's own PATCH, since PostHog checks with the credentials it
 * stores, and BEFORE the table PATCHes that switch to cdc, which then join the publication PostHog created).
 * What it sends is the plan's; this module only reads PostHog's answer.
 *
 * PostHog's refusals: 403 `{message}` (CDC is gated per team), 409 (already enabled: taken as done, e.g. a run
 * that crashed after enabling), 400 `{message, errors}` (prerequisites, re-checked server-side). A 403 in
 * drf-exceptions-hog's shape is a missing scope instead, and keeps the client's own message.
 */
import type { PostHogWriter } from './apply.js';

interface RefusalShape {
  status?: number;
  /** drf-exceptions-hog `type`; null for PostHog's ad-hoc `{message}` bodies. */
  type?: string | null;
  posthogMessage?: string | null;
  posthogErrors?: string[];
}

/** Send enable_cdc; returns a note for the user, if any. Throws a clear error when PostHog refuses. */
export async function enableCdc(client: Pick<PostHogWriter, 'enableCdc'>, sourceId: string, sourceName: string, body: Record<string, unknown>): Promise<string | undefined> {
  try {
    const result = await client.enableCdc(sourceId, body);
    // CDC is on either way; without schedules PostHog makes them when the first table switches to CDC (next phase).
    return result.schedules_ready === false ? 'CDC is enabled; PostHog could not create its schedules yet and creates them when a table switches to CDC.' : undefined;
  } catch (error) {
    const refusal = (error ?? {}) as RefusalShape;
    const said = refusal.posthogMessage ?? (error instanceof Error ? error.message : String(error));
    if (refusal.status === 409) return `CDC was already enabled on ${sourceName} (PostHog answered: ${said}); its tables are switched now.`;
    if (refusal.status === 403 && !refusal.type) {
      throw new Error(
        `PostHog refused to enable CDC on ${sourceName}: ${said} CDC is switched on per project by PostHog; ask PostHog to enable it for this project, or sync these tables with incremental or xmin instead.`,
      );
    }
    if (refusal.status === 400) {
      const reasons = refusal.posthogErrors ?? [];
      throw new Error(
        `PostHog refused to enable CDC on ${sourceName}: ${said}${reasons.length ? ` ${reasons.map((r) => `- ${r}`).join(' ')}` : ''} PostHog checks with the credentials it stores; fix what it names (dwctl plan shows the same check as cdc-prerequisites errors) and run apply again. No table was switched.`,
      );
    }
    throw error;
  }
}
