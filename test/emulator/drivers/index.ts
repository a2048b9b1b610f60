/** Which source types the emulator can connect (PostHog's registry of Source classes with discovery). */
import { createHubspotDriver } from './hubspot.js';
import { createPostgresDriver } from './postgres.js';
import { createStripeDriver, type StripeAccount } from './stripe.js';
import type { SourceDriver } from './types.js';

export function createDrivers(options: { stripeKeys: Record<string, StripeAccount>; integrations: Record<number, string> }): Map<string, SourceDriver> {
  return new Map<string, SourceDriver>([
    ['Postgres', createPostgresDriver()],
    ['Stripe', createStripeDriver(options.stripeKeys, options.integrations)],
    ['Hubspot', createHubspotDriver(options.integrations)],
  ]);
}
