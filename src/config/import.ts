import { Document, Pair, YAMLMap, isMap, isScalar, parseDocument } from 'yaml';
import type { RemoteSourceInfo } from '../posthog/observed.js';
import { isSecretPath, type SourceCatalog, type SourceTypeInfo } from '../wizard/catalog.js';
import type { WizardField } from '../wizard/types.js';
import { suggestedVariable } from './references.js';
import { MODELINE } from './skeleton.js';
import { sourceModule } from '../sources/index.js';
import { isRecord } from './record.js';
import { parseIgnorePattern, type IgnorePattern } from './unmanaged.js';

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
  const used = { names: new Set<string>(), references: new Set<string>() };
  const sources: Record<string, unknown> = {};
  for (const remote of sortRemotes(remotes)) {
    const imported = importSource(remote, catalog, used, references);
    sources[imported.name] = imported.value;
  }
  const document = new Document({ version: 1, sources });
  document.commentBefore = `${MODELINE.slice(1)}\n Imported from PostHog by \`dwctl import\`. Review it, set the references listed at the end, then run \`dwctl plan\`.`;
  const sourcesNode = document.get('sources', true);
  if (isMap(sourcesNode)) {
    sourcesNode.flow = false;
    for (const item of sourcesNode.items) flowTables(item.value);
  }
  if (references.length > 0) {
    document.comment = ` Set these before running dwctl plan (as environment variables or files; never in this file):\n${references.map((r) => `   ${r.reference}: ${r.holds}`).join('\n')}`;
  }
  return { text: document.toString({ lineWidth: 0 }), references };
}

/** One source as a `sources:` entry, under a name not yet in `usedNames` (which it joins). */
function importSource(remote: RemoteSourceInfo, catalog: SourceCatalog, used: { names: Set<string>; references: Set<string> }, references: ImportResult['references']): { name: string; value: Record<string, unknown> } {
  const info = catalog.get(remote.source_type);
  const name = uniqueName(remote, used.names);
  const config = info ? importConfig(remote.job_inputs ?? {}, info, name, references, used.references) : cleanNulls(remote.job_inputs ?? {});
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
  return {
    name,
    value: {
      type: remote.source_type,
      prefix: remote.prefix ?? '',
      ...(remote.description ? { description: remote.description } : {}),
      config,
      tables,
      ...(cdc ? { cdc } : {}),
    },
  };
}

function sortRemotes<T extends { source_type: string; prefix: string | null }>(remotes: readonly T[]): T[] {
  return [...remotes].sort((a, b) => (a.source_type + (a.prefix ?? '') < b.source_type + (b.prefix ?? '') ? -1 : 1));
}

/** Tables one per line, each table's settings on its line: how `dwctl import` and `discover --add` write them. */
function flowTables(source: unknown): void {
  const tables = isMap(source) ? (source as YAMLMap).get('tables', true) : undefined;
  if (isMap(tables)) {
    if (tables.items.length > 0) tables.flow = false;
    for (const t of tables.items) if (isMap(t.value)) t.value.flow = true;
  }
}

/** A remote source as the user sees it in messages (JSON quoting keeps control characters from PostHog inert). */
export function describeRemote(remote: { source_type: string; prefix: string | null }): string {
  const type = /^[A-Za-z0-9_]+$/.test(remote.source_type) ? remote.source_type : JSON.stringify(remote.source_type);
  return `${type} ${remote.prefix ? JSON.stringify(remote.prefix) : '(no prefix)'}`;
}

export type Selection<T> = { ok: true; sources: T[] } | { ok: false; problem: string };

/**
 * `import --prefix PREFIX [--type TYPE]`: the one source with that prefix (null and "" are the same prefix,
 * as PostHog treats them), narrowed by type when given. `--type` alone selects every source of that type.
 * None, or several for one prefix, is a problem that lists the candidates.
 */
export function selectSources<T extends { source_type: string; prefix: string | null }>(listed: readonly T[], wanted: { prefix?: string; type?: string }): Selection<T> {
  const ofType = wanted.type === undefined ? [...listed] : listed.filter((s) => s.source_type.toLowerCase() === wanted.type!.toLowerCase());
  const matches = wanted.prefix === undefined ? ofType : ofType.filter((s) => (s.prefix ?? '') === wanted.prefix);
  const withPrefix = (prefix: string) => (prefix ? ` with prefix ${JSON.stringify(prefix)}` : ' without a prefix');
  const candidates = (list: readonly T[]) => sortRemotes(list).map((s) => `  ${describeRemote(s)}`).join('\n');
  if (matches.length === 0) {
    const asked = `No ${wanted.type ?? ''}${wanted.type ? ' ' : ''}source${wanted.prefix !== undefined ? withPrefix(wanted.prefix) : ''} in the project.`;
    const all = listed.length === 0 ? ' The project has no sources.' : `\nSources in the project (type, prefix):\n${candidates(listed)}`;
    return { ok: false, problem: `${asked}${all}` };
  }
  if (wanted.prefix !== undefined && matches.length > 1) {
    return { ok: false, problem: `Several sources${withPrefix(wanted.prefix)}; add --type to choose one:\n${candidates(matches)}` };
  }
  return { ok: true, sources: sortRemotes(matches) };
}

/** What a warehouse file already declares, for `import --merge`. */
export interface Declared {
  /** Source names in use. */
  names: Set<string>;
  /** `type\0prefix` of each declared source, and of each `moved_from` (a moved source is not missing). */
  identities: Set<string>;
  /** The valid `unmanaged.ignore` patterns. */
  ignore: IgnorePattern[];
  /** Variables and files the file references already (`${NAME}`, `${file:PATH}`): imported ones must differ. */
  references: Set<string>;
}

export const identity = (sourceType: string, prefix: string | null): string => `${sourceType}\u0000${prefix ?? ''}`;

/** Parse the file to merge into; a file that is not YAML (or not a mapping) is a problem, not a crash. */
export function readMergeTarget(text: string): { ok: true; document: Document; declared: Declared } | { ok: false; problem: string } {
  const document = parseDocument(text);
  if (document.errors.length > 0) return { ok: false, problem: `it is not valid YAML (${document.errors[0]!.message.split('\n')[0]}); run dwctl lint` };
  const root: unknown = document.toJS();
  if (root !== null && root !== undefined && !isRecord(root)) return { ok: false, problem: 'its top level is not a mapping; run dwctl lint' };
  const value = isRecord(root) ? root : {};
  if (value.sources !== undefined && value.sources !== null && !isRecord(value.sources)) return { ok: false, problem: '"sources" is not a mapping; run dwctl lint' };
  const declared: Declared = {
    names: new Set(),
    identities: new Set(),
    ignore: [],
    references: new Set([...text.matchAll(/\$\{(?:file:)?([^}]+)\}/g)].map((m) => m[1]!)),
  };
  for (const [name, source] of Object.entries(isRecord(value.sources) ? value.sources : {})) {
    declared.names.add(name);
    if (!isRecord(source) || typeof source.type !== 'string') continue;
    declared.identities.add(identity(source.type, typeof source.prefix === 'string' ? source.prefix : ''));
    if (typeof source.moved_from === 'string') declared.identities.add(identity(source.type, source.moved_from));
  }
  const ignore = isRecord(value.unmanaged) && Array.isArray(value.unmanaged.ignore) ? value.unmanaged.ignore : [];
  for (const entry of ignore) {
    const parsed = typeof entry === 'string' ? parseIgnorePattern(entry) : undefined;
    if (parsed?.ok) declared.ignore.push(parsed.pattern);
  }
  return { ok: true, document, declared };
}

export function isDeclared(declared: Declared, remote: { source_type: string; prefix: string | null }): boolean {
  return declared.identities.has(identity(remote.source_type, remote.prefix));
}

export interface MergeResult extends ImportResult {
  added: { name: string; source_type: string; prefix: string | null }[];
}

/**
 * `import --merge`: append the given remote sources (declared ones are skipped) to the file's `sources:`,
 * leaving every byte already there — keys, values, comments, blank lines, order — as it was: the new entries
 * are rendered on their own and spliced in after the last declared source. New names never clash with
 * declared ones; each added source gets a comment naming the references to set.
 */
export function mergeSources(text: string, target: { document: Document; declared: Declared }, remotes: readonly RemoteSourceInfo[], catalog: SourceCatalog): MergeResult {
  const { document, declared } = target;
  const used = { names: new Set(declared.names), references: new Set(declared.references) };
  const references: ImportResult['references'] = [];
  const added: MergeResult['added'] = [];
  const entries = new Document(new YAMLMap());
  const entriesMap = entries.contents as YAMLMap;
  for (const remote of sortRemotes(remotes)) {
    if (isDeclared(declared, remote)) continue; // never overwrite or duplicate a declared source
    const own: ImportResult['references'] = [];
    const imported = importSource(remote, catalog, used, own);
    const key = entries.createNode(imported.name);
    const value = entries.createNode(imported.value);
    flowTables(value);
    key.spaceBefore = true;
    key.commentBefore = ` Imported from PostHog by \`dwctl import --merge\`.${own.length > 0 ? ` Set before dwctl plan: ${own.map((r) => r.reference).join(', ')}.` : ''}`;
    entriesMap.items.push(new Pair(key, value));
    references.push(...own);
    added.push({ name: imported.name, source_type: remote.source_type, prefix: remote.prefix });
    declared.identities.add(identity(remote.source_type, remote.prefix));
  }
  if (added.length === 0) return { text, references, added };
  const spliced = spliceEntries(text, document, entries.toString({ lineWidth: 0 }));
  // The splice is checked: if the result does not read back with the new sources, re-render the whole document.
  const check = spliced === undefined ? undefined : parseDocument(spliced);
  const ok = check !== undefined && check.errors.length === 0 && added.every((a) => check.hasIn(['sources', a.name]));
  if (ok) return { text: spliced!, references, added };
  let sources: unknown = document.get('sources', true);
  if (!isMap(sources)) {
    sources = new YAMLMap();
    document.set('sources', sources);
  }
  (sources as YAMLMap).flow = false;
  for (const item of entriesMap.items) (sources as YAMLMap).items.push(item);
  return { text: document.toString({ lineWidth: 0 }), references, added };
}

/** Insert rendered `name: {...}` entries into the text's `sources:` mapping; undefined when the shape is unusual. */
function spliceEntries(text: string, document: Document, rendered: string): string | undefined {
  const block = (indent: number) => rendered.replace(/^\n+/, '').replace(/^(?=.)/gm, ' '.repeat(indent));
  const body = text.endsWith('\n') || text === '' ? text : `${text}\n`;
  const root = document.contents;
  if (!isMap(root)) return root === null ? `${body}sources:\n${block(2)}` : undefined;
  const pair = root.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === 'sources');
  if (!pair) return `${body}${body.endsWith('\n\n') || body === '' ? '' : '\n'}sources:\n${block(2)}`;
  const value = pair.value;
  const lineEnd = (offset: number) => {
    const newline = body.indexOf('\n', offset);
    return newline === -1 ? body.length : newline + 1;
  };
  if (value === null || (isScalar(value) && value.value === null)) {
    // `sources:` with nothing after it: the entries go on the following lines.
    const keyEnd = (pair.key as { range?: [number, number, number] }).range?.[1];
    if (keyEnd === undefined) return undefined;
    const at = lineEnd(keyEnd);
    return `${body.slice(0, at)}${block(2)}${body.slice(at)}`;
  }
  if (!isMap(value) || !value.range) return undefined;
  if (value.flow) {
    if (value.items.length > 0) return undefined;
    // `sources: {}`: drop the braces, the entries follow on the next lines.
    const [from, to] = value.range;
    const at = lineEnd(to);
    let head = body.slice(0, from);
    let rest = body.slice(to, at);
    if (/^[ \t]*\n?$/.test(rest)) {
      head = head.replace(/[ \t]+$/, '');
      rest = '\n';
    }
    return `${head}${rest}${block(2)}${body.slice(at)}`;
  }
  const firstKey = value.items[0]?.key as { range?: [number, number, number] } | undefined;
  if (!firstKey?.range) return undefined;
  const indent = firstKey.range[0] - (body.lastIndexOf('\n', firstKey.range[0] - 1) + 1);
  const at = lineEnd(value.range[1] - 1);
  return `${body.slice(0, at)}\n${block(indent)}${body.slice(at)}`;
}

function uniqueName(remote: RemoteSourceInfo, used: Set<string>): string {
  const base = (remote.prefix ? remote.prefix.replace(/_+$/, '') : remote.source_type).toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '') || 'source';
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
  used.add(name);
  return name;
}

/** PostHog's job_inputs with secrets (which it strips) put back as references, and nulls dropped. */
function importConfig(jobInputs: Record<string, unknown>, info: SourceTypeInfo, sourceName: string, references: ImportResult['references'], taken: Set<string>): Record<string, unknown> {
  const build = (fields: readonly WizardField[], value: Record<string, unknown>, path: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      const current = value[field.name];
      const fieldPath = [...path, field.name];
      const reference = (holds: string, file = false): string => {
        // Never a name the file (or an earlier imported source) already references: that would share a secret.
        const base = file ? `${sourceName}-${field.name}` : suggestedVariable(sourceName, field.name);
        let name = file ? `${base}.json` : base;
        for (let i = 2; taken.has(name); i++) name = file ? `${base}-${i}.json` : `${base}_${i}`;
        taken.add(name);
        references.push({ reference: name, holds });
        return file ? `\${file:${name}}` : `\${${name}}`;
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
          if (field.required) out[field.name] = reference(`the ${inSentence(field.label ?? field.name)} of ${sourceName} (JSON)`, true);
          break;
        default:
          if (isSecretPath(info, fieldPath)) {
            if ('required' in field && field.required) out[field.name] = reference(`the ${inSentence(field.label ?? field.name)} of ${sourceName}`);
            else if (path.length > 0) out[field.name] = reference(`the ${inSentence(field.label ?? field.name)} of ${sourceName}`);
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

/** A wizard label inside a sentence: "Password" → "password"; acronyms ("API key", "SSH") stay as they are. */
export function inSentence(label: string): string {
  return /^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label;
}
