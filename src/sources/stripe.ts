import type { SourceModule } from './types.js';

/** Stripe: webhooks (API.md §7), no CDC. Its rules beyond the wizard's live in the webhook flow today. */
export const stripe: SourceModule = {
  type: 'Stripe',
  // database_schema reports no row counts for Stripe (API.md §12).
  countsRows: false,
};
