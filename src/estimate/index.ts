import { hasRowEstimator } from './estimators.js';
import type { RowEstimates, EstimateOptions } from './postgres-rows.js';

export { hasRowEstimator } from './estimators.js';

export type { RowEstimates, EstimateOptions } from './postgres-rows.js';


/**
 * Row estimates from the source database itself (`--count-rows`), for the source types that have an
 * estimator; null for the others. The estimator (and its database driver) is imported only when asked
 * for, so no command pays for it at start-up.
 */
export async function estimateRows(sourceType: string, config: Record<string, unknown>, tables: readonly string[], options: EstimateOptions = {}): Promise<RowEstimates | null> {
  if (!hasRowEstimator(sourceType)) return null;
  const { estimatePostgresRows } = await import('./postgres-rows.js');
  return estimatePostgresRows(config, tables, options);
}
