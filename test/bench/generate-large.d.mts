/** Types of generate-large.mjs, for the tests that import it. */
export function generateLargeWarehouse(options?: { sources?: number; tables?: number }): string;
