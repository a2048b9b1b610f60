/** The words that start dwctl's commands (each has a loader in ./index.ts; a test keeps the two in step). */
export const COMMAND_NAMES: readonly string[] = ['lint', 'schema', 'init', 'plan', 'show', 'discover', 'apply', 'status', 'import'];
