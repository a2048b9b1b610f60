/** Source types that `--count-rows` can estimate rows for (pure: renderers ask it without loading a driver). */
export function hasRowEstimator(sourceType: string): boolean {
  return sourceType === 'Postgres';
}
