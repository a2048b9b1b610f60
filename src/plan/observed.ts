/** The PostHog state plan reads now lives beside the client (posthog/observed.ts); kept for imports from plan/. */
export type * from '../posthog/observed.js';
