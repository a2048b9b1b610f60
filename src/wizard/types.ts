/**
 * The wizard response (API.md §3): an object keyed by source type, each a pydantic dump of SourceConfig,
 * so every declared key is present and unset ones are null. Only what dwctl reads is typed strictly;
 * unknown keys are tolerated so a newer PostHog does not break us.
 */
export type WizardResponse = Record<string, SourceConfig>;

export interface SourceConfig {
  name: string;
  label?: string | null;
  caption?: string | null;
  category?: string | null;
  featured?: boolean | null;
  unreleasedSource?: boolean | null;
  releaseStatus?: 'alpha' | 'beta' | 'ga' | null;
  betaSource?: boolean | null;
  featureFlag?: string | null;
  disabledReason?: string | null;
  docsUrl?: string | null;
  keywords?: string[] | null;
  fields: WizardField[];
  webhookFields?: WizardField[] | null;
  webhookSetupCaption?: string | null;
  suggestedTables?: { table: string; tooltip?: string | null }[] | null;
  supportsColumnSelection?: boolean | null;
  versions?: string[] | null;
  defaultVersion?: string | null;
  deprecatedVersions?: { version: string; sunsetAt: string | null }[] | null;
  [key: string]: unknown;
}

export type InputKind = 'text' | 'email' | 'search' | 'url' | 'password' | 'time' | 'number' | 'textarea';

export interface InputField {
  type: InputKind;
  name: string;
  label?: string | null;
  caption?: string | null;
  placeholder?: string | null;
  required?: boolean | null;
  secret?: boolean | null;
}

export interface SelectOption {
  value: string;
  label?: string | null;
  fields?: WizardField[] | null;
}

export interface SelectField {
  type: 'select';
  name: string;
  label?: string | null;
  caption?: string | null;
  required?: boolean | null;
  defaultValue?: string | null;
  converter?: string | null;
  multiple?: boolean | null;
  options: SelectOption[];
}

export interface SwitchGroupField {
  type: 'switch-group';
  name: string;
  label?: string | null;
  caption?: string | null;
  default?: string | number | boolean | null;
  fields: WizardField[];
}

export interface OauthField {
  type: 'oauth';
  name: string;
  label?: string | null;
  kind: string;
  required?: boolean | null;
  requiredScopes?: string | null;
}

export interface OauthAccountSelectField {
  type: 'oauth-account-select';
  name: string;
  label?: string | null;
  caption?: string | null;
  placeholder?: string | null;
  required?: boolean | null;
  integrationField?: string | null;
  integrationKind?: string | null;
  multiple?: boolean | null;
  hidden?: boolean | null;
}

export interface FileUploadField {
  type: 'file-upload';
  name: string;
  label?: string | null;
  required?: boolean | null;
  fileFormat?: { format: string; keys: '*' | string[] } | null;
}

export interface SshTunnelField {
  type: 'ssh-tunnel';
  name: string;
  label?: string | null;
  supportsRequireTls?: boolean | null;
}

export type WizardField =
  | InputField
  | SelectField
  | SwitchGroupField
  | OauthField
  | OauthAccountSelectField
  | FileUploadField
  | SshTunnelField;
