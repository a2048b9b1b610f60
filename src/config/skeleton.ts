import { isMap, isScalar, parseDocument, type Document, YAMLMap, Scalar } from 'yaml';
import { suggestedVariable } from './references.js';
import type { SourceTypeInfo, SourceCatalog } from '../wizard/catalog.js';
import type { WizardField } from '../wizard/types.js';

export const MODELINE = '# yaml-language-server: $schema=./node_modules/dwctl/schemas/warehouse.schema.json';

/** The starter file of `dwctl init`. */
export function starterFile(): string {
  return `${MODELINE}
#
# PostHog data-warehouse sources, managed by dwctl.
#   dwctl init --type Postgres --name shop_db --prefix shop_   add a source
#   dwctl lint                                                  check this file offline
#   dwctl discover shop_db                                      see the tables PostHog finds
#   dwctl plan / dwctl apply                                    preview and make the changes
version: 1
# posthog:
#   host: https://us.posthog.com
#   project_id: 12345
defaults:
  sync_frequency: 24hour # rows synced are billed: sync no more often than you need
sources: {}
`;
}

/**
 * The config skeleton for a source type: the wizard's required fields (and an optional `schema`, so
 * table names are not schema-qualified), secrets as references named after the source, other values
 * from the wizard's placeholders and defaults.
 */
export function configSkeleton(info: SourceTypeInfo, sourceName: string): Record<string, unknown> {
  return fieldsSkeleton(info.config.fields ?? [], sourceName);
}

function fieldsSkeleton(fields: readonly WizardField[], sourceName: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    // An optional `schema` whose placeholder is a schema name (Postgres: public) is written too: without it
    // PostHog names tables schema.table (API.md §5). Placeholders that are advice ("Leave blank…") are not.
    const schemaDefault = field.name === 'schema' && field.type === 'text' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(field.placeholder ?? '');
    if ((!('required' in field) || field.required !== true) && !schemaDefault) continue;
    out[field.name] = fieldValue(field, sourceName);
  }
  return out;
}

function fieldValue(field: WizardField, sourceName: string): unknown {
  const reference = `\${${suggestedVariable(sourceName, field.name)}}`;
  switch (field.type) {
    case 'select': {
      const chosen = field.options.find((o) => o.value === field.defaultValue) ?? field.options[0];
      const value = chosen?.value ?? '';
      const nested = field.options.some((o) => (o.fields ?? []).length > 0);
      if (!nested) return field.multiple ? [value] : value;
      // The chosen option's fields are what that choice consists of (Stripe's api_key option is just
      // the key, which the wizard marks optional only because the other option does not need it).
      return { selection: value, ...Object.fromEntries((chosen?.fields ?? []).map((f) => [f.name, fieldValue(f, sourceName)])) };
    }
    case 'oauth':
      return reference;
    case 'file-upload':
      return `\${file:${sourceName}-${field.name}.json}`;
    case 'oauth-account-select':
      return field.placeholder || 'account-id';
    case 'switch-group':
    case 'ssh-tunnel':
      return { enabled: false };
    case 'number': {
      const n = Number(field.placeholder);
      return Number.isInteger(n) && field.placeholder ? n : reference;
    }
    default:
      if (field.secret || field.type === 'password') return reference;
      // email, url and time values are checked by lint, so an empty placeholder would not lint: use a reference.
      if (!field.placeholder && (field.type === 'email' || field.type === 'url' || field.type === 'time')) return reference;
      return field.placeholder || '';
  }
}

/**
 * Add a source to an existing file through the Document API, so the user's comments and layout stay.
 * Returns the new text.
 */
export function addSource(text: string, name: string, source: Record<string, unknown>, comment?: string): string {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new Error(document.errors[0]!.message);
  const sources = ensureMap(document, 'sources');
  if (sources.has(name)) throw new Error(`a source named "${name}" already exists`);
  const node = document.createNode(source) as YAMLMap;
  if (comment) node.commentBefore = comment;
  sources.flow = false;
  sources.set(document.createNode(name) as Scalar, node);
  return document.toString({ lineWidth: 0 });
}

export function ensureMap(document: Document, key: string): YAMLMap {
  if (!isMap(document.contents)) throw new Error('the file is not a YAML mapping');
  const existing = document.contents.get(key, true);
  if (isMap(existing)) return existing;
  if (existing !== undefined && !(isScalar(existing) && existing.value === null)) throw new Error(`"${key}" is not a mapping`);
  const created = new YAMLMap();
  document.contents.set(key, created);
  return created;
}

export interface TypeMatch {
  exact?: SourceTypeInfo;
  candidates: SourceTypeInfo[];
}

/** Resolve `--type`: exact (case-insensitive) name or label, else candidates by keyword or category ("database"). */
export function matchSourceType(catalog: SourceCatalog, query: string): TypeMatch {
  const q = query.trim().toLowerCase();
  const all = [...catalog.values()];
  const exact = all.find((t) => t.name.toLowerCase() === q || t.label.toLowerCase() === q);
  if (exact) return { exact, candidates: [exact] };
  const singular = q.replace(/s$/, '');
  const candidates = all.filter((t) => {
    const words = [t.name, t.label, t.category, ...(t.config.keywords ?? [])].map((w) => w.toLowerCase());
    return words.some((w) => w.includes(singular) || (singular.length >= 3 && singular.includes(w)));
  });
  return { candidates };
}

/** `init --list-types`: by category, featured first, unreleased marked, OAuth noted. */
export function formatTypeList(types: readonly SourceTypeInfo[]): string {
  const byCategory = new Map<string, SourceTypeInfo[]>();
  for (const t of types) byCategory.set(t.category, [...(byCategory.get(t.category) ?? []), t]);
  const lines: string[] = [];
  for (const category of [...byCategory.keys()].sort()) {
    lines.push(`${category}:`);
    const entries = byCategory.get(category)!.sort((a, b) => Number(b.featured) - Number(a.featured) || a.name.localeCompare(b.name));
    for (const t of entries) {
      const notes = [t.featured ? 'featured' : '', t.oauthOnly ? 'OAuth: authorise in PostHog first' : t.oauthFields.length > 0 ? 'API key or OAuth' : '', t.unreleased ? 'unreleased' : '', t.supportsWebhooks ? 'webhooks' : '', t.supportsCdc ? 'CDC' : '']
        .filter(Boolean)
        .join(', ');
      lines.push(`  ${t.name.padEnd(14)} ${t.label !== t.name ? t.label : ''}${notes ? `${t.label !== t.name ? ' ' : ''}(${notes})` : ''}`.trimEnd());
    }
  }
  return lines.join('\n') + '\n';
}
