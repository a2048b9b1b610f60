import { Document, YAMLMap, isMap } from 'yaml';
import type { RemoteSourceInfo } from '../posthog/observed.js';
import { isSecretPath, type SourceCatalog, type SourceTypeInfo } from '../wizard/catalog.js';
import type { WizardField } from '../wizard/types.js';
import { suggestedVariable } from './references.js';
import { MODELINE } from './skeleton.js';
import { sourceModule } from '../sources/index.js';
import { isRecord } from './record.js';

export interface ImportResult {
  text: string;
  /** The references the user must set: variable or file → what it holds. */
  references: { reference: string; holds: string }[];
}

/**
 * warehouse.yaml for sources that exist in PostHog: non-secret config as PostHog returns it, each secret
 * field as a `${...}` reference named after the source, and every table that syncs with its settings
 * written out explicitly (so `plan` on the result shows no changes once the references are set).
 */
export function importSources(remotes: readonly RemoteSourceInfo[], catalog: SourceCatalog): ImportResult {
  const references: ImportResult['references'] = [];
  const usedNames = new Set<string>();
  const sources: Record<string, unknown> = {};
  for (const remote of [...remotes].sort((a, b) => (a.source_type + (a.prefix ?? '') < b.source_type + (b.prefix ?? '') ? -1 : 1))) {
    const info = catalog.get(remote.source_type);
    const name = uniqueName(remote, usedNames);
    const config = info ? importConfig(remote.job_inputs ?? {}, info, name, references) : cleanNulls(remote.job_inputs ?? {});
    const tables: Record<string, unknown> = {};
    for (const schema of [...remote.schemas].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!schema.should_sync || !schema.sync_type) continue;
      const entry: Record<string, unknown> = { sync: schema.sync_type };
      if ((schema.sync_type === 'incremental' || schema.sync_type === 'append') && schema.incremental_field) entry.incremental_field = schema.incremental_field;
      entry.sync_frequency = schema.sync_frequency ?? 'never';
      if (schema.sync_time_of_day) entry.sync_time_of_day = schema.sync_time_of_day.slice(0, 8);
      tables[schema.name] = entry;
    }
    const cdc = sourceModule(remote.source_type).cdc?.fromJobInputs(remote.job_inputs ?? {});
    sources[name] = {
      type: remote.source_type,
      prefix: remote.prefix ?? '',
      ...(remote.description ? { description: remote.description } : {}),
      config,
      tables,
      ...(cdc ? { cdc } : {}),
    };
  }
  const document = new Document({ version: 1, sources });
  document.commentBefore = `${MODELINE.slice(1)}\n Imported from PostHog by \`dwctl import\`. Review it, set the references listed at the end, then run \`dwctl plan\`.`;
  const sourcesNode = document.get('sources', true);
  if (isMap(sourcesNode)) {
    sourcesNode.flow = false;
    for (const item of sourcesNode.items) {
      const tables = isMap(item.value) ? (item.value as YAMLMap).get('tables', true) : undefined;
      if (isMap(tables)) for (const t of tables.items) if (isMap(t.value)) t.value.flow = true;
    }
  }
  if (references.length > 0) {
    document.comment = ` Set these before running dwctl plan (as environment variables or files; never in this file):\n${references.map((r) => `   ${r.reference}: ${r.holds}`).join('\n')}`;
  }
  return { text: document.toString({ lineWidth: 0 }), references };
}

function uniqueName(remote: RemoteSourceInfo, used: Set<string>): string {
  const base = (remote.prefix ? remote.prefix.replace(/_+$/, '') : remote.source_type).toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '') || 'source';
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
  used.add(name);
  return name;
}

/** PostHog's job_inputs with secrets (which it strips) put back as references, and nulls dropped. */
function importConfig(jobInputs: Record<string, unknown>, info: SourceTypeInfo, sourceName: string, references: ImportResult['references']): Record<string, unknown> {
  const build = (fields: readonly WizardField[], value: Record<string, unknown>, path: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      const current = value[field.name];
      const fieldPath = [...path, field.name];
      const reference = (holds: string, file = false): string => {
        const variable = suggestedVariable(sourceName, field.name);
        const text = file ? `\${file:${sourceName}-${field.name}.json}` : `\${${variable}}`;
        references.push({ reference: file ? `${sourceName}-${field.name}.json` : variable, holds });
        return text;
      };
      switch (field.type) {
        case 'select': {
          if (isRecord(current)) {
            const option = field.options.find((o) => o.value === current.selection);
            out[field.name] = { selection: current.selection, ...build(option?.fields ?? [], current, fieldPath) };
          } else if (current !== undefined && current !== null) out[field.name] = current;
          break;
        }
        case 'switch-group':
          if (isRecord(current)) out[field.name] = { enabled: current.enabled === true, ...(current.enabled === true ? build(field.fields ?? [], current, fieldPath) : {}) };
          break;
        case 'ssh-tunnel':
          if (isRecord(current)) out[field.name] = importTunnel(current, (secret) => reference(`the SSH tunnel ${secret.replace('_', ' ')} of ${sourceName}`), fieldPath);
          break;
        case 'file-upload':
          if (field.required) out[field.name] = reference(`the ${field.label ?? field.name} of ${sourceName} (JSON)`, true);
          break;
        default:
          if (isSecretPath(info, fieldPath)) {
            if ('required' in field && field.required) out[field.name] = reference(`the ${field.label ?? field.name} of ${sourceName}`);
            else if (path.length > 0) out[field.name] = reference(`the ${field.label ?? field.name} of ${sourceName}`);
          } else if (current !== undefined && current !== null && current !== '') out[field.name] = current;
      }
    }
    return out;
  };
  return build(info.config.fields ?? [], jobInputs, []);
}

function importTunnel(tunnel: Record<string, unknown>, reference: (secret: string) => string, _path: string[]): Record<string, unknown> {
  if (tunnel.enabled !== true) return { enabled: false };
  const auth = isRecord(tunnel.auth) ? tunnel.auth : {};
  const selection = auth.selection === 'keypair' ? 'keypair' : 'password';
  return {
    enabled: true,
    host: tunnel.host,
    port: tunnel.port,
    auth: {
      selection,
      username: auth.username,
      ...(selection === 'password' ? { password: reference('password') } : { private_key: reference('private_key') }),
    },
  };
}

function cleanNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}
