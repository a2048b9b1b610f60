import type { SourceConfig, WizardField, WizardResponse } from './types.js';

/** Sync types PostHog knows (API.md §6). */
export const SYNC_TYPES = ['full_refresh', 'incremental', 'append', 'cdc', 'webhook', 'xmin'] as const;
export type SyncType = (typeof SYNC_TYPES)[number];

/** Frequencies a schema PATCH accepts (API.md §6, newest). `1min` is CDC-internal and not offered. */
export const SYNC_FREQUENCIES = ['5min', '15min', '30min', '1hour', '6hour', '12hour', '24hour', '7day', '30day', 'never'] as const;
export type SyncFrequency = (typeof SYNC_FREQUENCIES)[number];

export const INCREMENTAL_FIELD_TYPES = ['integer', 'numeric', 'datetime', 'date', 'timestamp', 'objectid', 'xid'] as const;

/** What dwctl needs to know about one source type, derived once from its wizard entry. */
export interface SourceTypeInfo {
  name: string;
  label: string;
  category: string;
  featured: boolean;
  unreleased: boolean;
  /** Config paths (relative to `config`) whose values PostHog treats as secret. */
  secretPaths: string[][];
  /** Config paths (dotted) of OAuth integration fields; inside a select option they are one choice among others. */
  oauthFields: string[];
  /** OAuth is the only way to authenticate (a top-level oauth field, as Hubspot has). */
  oauthOnly: boolean;
  webhookFields: WizardField[];
  supportsWebhooks: boolean;
  supportsCdc: boolean;
  syncTypes: SyncType[];
  config: SourceConfig;
}

export type SourceCatalog = Map<string, SourceTypeInfo>;

/**
 * What the wizard does not say comes from the source modules (sources/catalog.ts merges them): `cdcTypes`,
 * the types whose CDC and xmin modes exist (API.md §2.3, §2.13).
 */
export function buildCatalog(wizard: WizardResponse, traits: { cdcTypes: readonly string[] }): SourceCatalog {
  const catalog: SourceCatalog = new Map();
  for (const key of Object.keys(wizard).sort()) {
    const config = wizard[key]!;
    const name = config.name ?? key;
    const secretPaths: string[][] = [];
    const oauthFields: string[] = [];
    collectFieldFacts(config.fields ?? [], [], secretPaths, oauthFields);
    const webhookFields = config.webhookFields ?? [];
    const supportsWebhooks = webhookFields.length > 0;
    const supportsCdc = traits.cdcTypes.includes(name);
    const syncTypes = SYNC_TYPES.filter(
      (t) => (t !== 'webhook' || supportsWebhooks) && ((t !== 'cdc' && t !== 'xmin') || supportsCdc),
    );
    catalog.set(name, {
      name,
      label: config.label ?? name,
      category: config.category ?? 'Other',
      featured: config.featured === true,
      unreleased: config.unreleasedSource === true,
      secretPaths,
      oauthFields,
      oauthOnly: oauthFields.some((f) => !f.includes('.')),
      webhookFields,
      supportsWebhooks,
      supportsCdc,
      syncTypes,
      config,
    });
  }
  return catalog;
}

function collectFieldFacts(fields: readonly WizardField[], prefix: string[], secrets: string[][], oauth: string[]): void {
  for (const field of fields) {
    const path = [...prefix, field.name];
    switch (field.type) {
      case 'select':
        for (const option of field.options ?? []) collectFieldFacts(option.fields ?? [], path, secrets, oauth);
        break;
      case 'switch-group':
        collectFieldFacts(field.fields ?? [], path, secrets, oauth);
        break;
      case 'ssh-tunnel':
        // PostHog strips these from every read (API.md §2.4): they are secrets.
        secrets.push([...path, 'auth', 'password'], [...path, 'auth', 'private_key'], [...path, 'auth', 'passphrase']);
        break;
      case 'file-upload':
        secrets.push(path);
        break;
      case 'oauth':
        oauth.push(path.join('.'));
        break;
      case 'oauth-account-select':
        break;
      default:
        if (field.secret || field.type === 'password') secrets.push(path);
    }
  }
}

export function isSecretPath(info: SourceTypeInfo, path: readonly string[]): boolean {
  return info.secretPaths.some((p) => p.length === path.length && p.every((s, i) => s === path[i]));
}
