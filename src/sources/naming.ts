/**
 * PostHog's naming rules, the same for every source type.
 *
 * validate_source_prefix (API.md §2.3 step 4), applied exactly: blank is allowed; leading and trailing "_"
 * are stripped before the checks; nothing left → refused; otherwise it must match ^[A-Za-z_][A-Za-z0-9_]*$.
 * The serializer also caps it at 100 characters (the schema checks that).
 */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  const stripped = prefix.replace(/^_+|_+$/g, '');
  if (stripped === '') return 'Prefix cannot consist of only underscores';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(stripped)) {
    return 'Prefix must contain only letters, numbers, and underscores, and start with a letter or underscore';
  }
  return undefined;
}

/** PostHog's table-name rule (API.md §6): lower(prefix + source_type + "_" + table), dots → "__". */
export function warehouseTableName(prefix: string | null | undefined, sourceType: string, table: string): string {
  return `${prefix ?? ''}${sourceType}_${table.replace(/\./g, '__')}`.toLowerCase();
}
