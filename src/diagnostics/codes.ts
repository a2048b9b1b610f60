/**
 * The one registry of diagnostic codes. Codes are public API (contract §5): they appear in JSON output,
 * in GitHub annotations, in SARIF rule ids and as headings in docs/diagnostics.md (a test checks that the
 * two lists match). Append only: never rename a code or reuse one for a different meaning.
 */
export type Severity = 'error' | 'warning' | 'info';

/** Which command can emit the code: `lint` codes need no network; `plan` codes come from PostHog's answers. */
export type CodeOwner = 'lint' | 'plan';

export interface CodeInfo {
  readonly severity: Severity;
  readonly owner: CodeOwner;
  /** A short title: the SARIF rule's short description and the first line of the docs section. */
  readonly title: string;
}

export const CODES = {
  'yaml-syntax': { severity: 'error', owner: 'lint', title: 'The file is not valid YAML' },
  'duplicate-key': { severity: 'error', owner: 'lint', title: 'A mapping repeats a key' },
  'unknown-property': { severity: 'error', owner: 'lint', title: 'A key the schema does not allow' },
  'missing-property': { severity: 'error', owner: 'lint', title: 'A required key is absent' },
  'invalid-value': { severity: 'error', owner: 'lint', title: 'A value has the wrong type, is not allowed, or breaks a pattern' },
  'unknown-source-type': { severity: 'error', owner: 'lint', title: 'The source type is not one the wizard knows' },
  'plaintext-secret': { severity: 'error', owner: 'lint', title: 'A secret field holds a literal instead of a reference' },
  'invalid-reference': { severity: 'error', owner: 'lint', title: 'A malformed ${...} reference' },
  'invalid-prefix': { severity: 'error', owner: 'lint', title: "The prefix breaks PostHog's prefix rules" },
  'prefix-without-separator': { severity: 'warning', owner: 'lint', title: 'The prefix does not end in "_", so table names run together' },
  'prefix-repeats-type': { severity: 'warning', owner: 'lint', title: 'The prefix repeats the source type, which PostHog adds to every table name anyway' },
  'duplicate-source': { severity: 'error', owner: 'lint', title: 'Two sources share type and prefix' },
  'incremental-field-required': { severity: 'error', owner: 'lint', title: 'incremental or append sync without incremental_field' },
  'webhook-unsupported': { severity: 'error', owner: 'lint', title: 'Webhook sync on a source type without webhooks' },
  'cdc-unsupported': { severity: 'error', owner: 'lint', title: 'CDC sync or a cdc: block on a source type without CDC' },
  'oauth-source': { severity: 'warning', owner: 'lint', title: 'The source authenticates by OAuth and must be authorised in PostHog first' },
  'unreleased-source': { severity: 'warning', owner: 'lint', title: 'The wizard marks the source type unreleased' },
  'missing-secret': { severity: 'error', owner: 'plan', title: 'A referenced environment variable or file is not set' },
  'credentials-rejected': { severity: 'error', owner: 'plan', title: 'PostHog refused the credentials' },
  'table-not-found': { severity: 'error', owner: 'plan', title: 'A declared table is not among the discovered ones' },
  'sync-type-unavailable': { severity: 'error', owner: 'plan', title: 'The table does not offer that sync type' },
  'incremental-field-invalid': { severity: 'error', owner: 'plan', title: "The incremental field is not one of the table's candidates" },
  'cdc-prerequisites': { severity: 'error', owner: 'plan', title: "PostHog's CDC prerequisite check failed" },
  'table-permission-error': { severity: 'error', owner: 'plan', title: 'The credentials cannot read the table' },
  'webhook-only-table': { severity: 'error', owner: 'plan', title: 'The table can only sync by webhook' },
  'costly-sync': { severity: 'warning', owner: 'plan', title: 'A large table on full refresh, or synced more often than it needs' },
  'prefer-updated-at': { severity: 'warning', owner: 'plan', title: 'A created-at style field chosen where an updated-at one exists' },
  'incremental-field-nullable': { severity: 'warning', owner: 'plan', title: 'The incremental field can be NULL: rows where it is NULL are never imported' },
  'incremental-field-unindexed': { severity: 'warning', owner: 'plan', title: 'The incremental field has no index: every sync scans the table' },
  'recommended-sync': { severity: 'info', owner: 'plan', title: "A sync setting that fits the table's data better than the declared one" },
  'unmanaged-source': { severity: 'info', owner: 'plan', title: 'A remote source that the file does not declare' },
  'prefix-change': { severity: 'warning', owner: 'plan', title: 'A prefix cannot change in place: the source will be created anew' },
  'read-only-plan': { severity: 'warning', owner: 'plan', title: 'The plan was made without write-scoped checks (credentials, discovery, CDC) and cannot be applied' },
  'invalid-ignore-pattern': { severity: 'error', owner: 'lint', title: 'An unmanaged.ignore pattern is not a prefix glob' },
  'moved-from-unchanged': { severity: 'error', owner: 'lint', title: "moved_from equals the source's own prefix" },
  'duplicate-moved-from': { severity: 'error', owner: 'lint', title: 'Two sources are moved from the same old source' },
  'moved-from-declared': { severity: 'error', owner: 'lint', title: 'moved_from names a source the file still declares' },
  'reserved-reference': { severity: 'error', owner: 'lint', title: "A reference to one of dwctl's own settings (POSTHOG_*, DWCTL_*)" },
  'secret-in-plain-field': { severity: 'error', owner: 'lint', title: 'A field that is not secret references a variable whose name says it holds a secret' },
  'file-reference-refused': { severity: 'error', owner: 'lint', title: 'A ${file:} reference outside the repository, not to a regular file, or too large' },
  'short-secret': { severity: 'warning', owner: 'plan', title: 'A secret too short to be masked reliably' },
  'webhook-secret-dropped': { severity: 'error', owner: 'plan', title: "A table switching to webhook sync would drop a signing secret the file does not declare" },
  'stored-credentials-failing': { severity: 'warning', owner: 'plan', title: "PostHog's syncs fail to authenticate while the file's credentials work" },
  'primary-key-not-stored': { severity: 'warning', owner: 'lint', title: 'A primary key declared for a sync type PostHog stores none for' },
  'incremental-without-key': { severity: 'error', owner: 'plan', title: 'An incremental table with no primary key, detected, declared or id' },
  'primary-key-locked': { severity: 'error', owner: 'plan', title: 'A primary key PostHog cannot change because data has synced' },
  'rows-budget-exceeded': { severity: 'error', owner: 'plan', title: 'The planned rows per month exceed plan --max-rows-per-month' },
  'row-estimate-failed': { severity: 'warning', owner: 'plan', title: 'plan --count-rows could not estimate the rows of some tables' },
  'webhook-missing-events': { severity: 'warning', owner: 'plan', title: "The webhook endpoint lacks provider events PostHog's key did not add" },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof CODES;

export const ALL_CODES = Object.keys(CODES) as DiagnosticCode[];

/** Anchor of the code's section in docs/diagnostics.md (headings are the code itself). */
export function docsAnchor(code: DiagnosticCode): string {
  return `docs/diagnostics.md#${code}`;
}
