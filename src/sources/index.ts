import { generic } from './generic.js';
import { postgres } from './postgres.js';
import { stripe } from './stripe.js';
import type { SourceModule } from './types.js';

export type { CdcDialect, CdcSettings, CdcTableMode, PrimaryKeySource, SourceModule } from './types.js';
export { primaryKeySource } from './types.js';
export { prefixProblem, warehouseTableName } from './naming.js';
export { offeredSyncTypes, unavailableReason } from './sync-types.js';

/** The modules of the types with special rules; every other type gets the generic one. */
const MODULES: readonly SourceModule[] = [postgres, stripe];

export function sourceModule(type: string): SourceModule {
  return MODULES.find((m) => m.type === type) ?? generic;
}

/** Types that have CDC: the catalog's `supportsCdc` must agree (test/sources/sources.test.ts). */
export function cdcSourceTypes(): string[] {
  return MODULES.filter((m) => m.cdc).map((m) => m.type!);
}

