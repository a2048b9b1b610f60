/**
 * The credential-check + discovery steps shared by database_schema, create and refresh_schemas
 * (API.md §2.2), with PostHog's texts for each failure.
 */
import type { Context } from './context.js';
import { type DiscoveredTable, DriverError, type SourceDriver } from './drivers/types.js';
import { message } from './responses.js';
import { configErrors, invalidConfigMessage, wizard } from './source-config.js';

export const INVALID_CREDENTIALS_FALLBACK = "We couldn't validate those credentials. Check they're correct and have the required access, then try again.";

export const notAvailableYet = (sourceType: string): string =>
  `The ${sourceType} source isn't available to connect yet. Choose a different source, or contact support if you were expecting it.`;

/** The driver for a known type, or the refusal PostHog gives for an unknown / not-connectable one. */
export function driverFor(ctx: Context, sourceType: string): SourceDriver {
  if (!wizard()[sourceType]) throw message(`Unknown source_type '${sourceType}'`);
  const driver = ctx.drivers.get(sourceType);
  if (!driver) throw message(notAvailableYet(sourceType));
  return driver;
}

export function validateConfigOrThrow(sourceType: string, config: Record<string, unknown>): void {
  const errors = configErrors(sourceType, config);
  if (errors.length > 0) throw message(invalidConfigMessage(errors));
}

/** A driver failure as the user sees it: the source's own text, else the generic fallback. */
function credentialMessage(error: unknown): string {
  return error instanceof DriverError && error.message ? error.message : INVALID_CREDENTIALS_FALLBACK;
}

export async function checkCredentials(driver: SourceDriver, config: Record<string, unknown>): Promise<void> {
  try {
    await driver.validateCredentials(config);
  } catch (error) {
    throw message(credentialMessage(error));
  }
}

/** `_classify_refresh_schemas_error`: drivers already speak PostHog's friendly texts; anything else is generic. */
export async function discoverTables(ctx: Context, driver: SourceDriver, config: Record<string, unknown>): Promise<DiscoveredTable[]> {
  try {
    return await driver.discover(config, { cdcEnabledForTeam: ctx.options.cdcEnabledForTeam });
  } catch (error) {
    throw message(error instanceof DriverError && error.message ? error.message : 'Could not fetch schemas from source.');
  }
}
