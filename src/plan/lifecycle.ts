import { compareNames, type DesiredSource, type DesiredState } from '../config/desired.js';
import { isIgnored } from '../config/unmanaged.js';
import { toPointer } from '../diagnostics/diagnostic.js';
import { warehouseTableName } from '../sources/index.js';
import type { RemoteSourceInfo } from './observed.js';
import { deleteSourceRequest, PHASE } from './requests.js';
import type { Change, Pending, SourceChange } from './types.js';

/**
 * A source's lifecycle beyond create and update (issue 14): sources other teams own (`unmanaged.ignore`),
 * deletes, and prefix moves (`moved_from`). Pure: the planner calls these with what it observed.
 */


/** PostHog stores a blank prefix as null; identity is type + prefix (contract §1). */
function sameSource(type: string, prefix: string, remote: Pick<RemoteSourceInfo, 'source_type' | 'prefix'>): boolean {
  return remote.source_type === type && (remote.prefix ?? '') === prefix;
}

/** A remote source another team owns: it matches an `unmanaged.ignore` pattern and the file neither declares nor moves it. */
export function ownedElsewhere(remote: Pick<RemoteSourceInfo, 'source_type' | 'prefix'>, desired: Pick<DesiredState, 'unmanaged'>): boolean {
  return isIgnored(remote, desired.unmanaged.ignore);
}

/** The declared source that replaces this remote one through `moved_from`, if any. */
export function movedTo(remote: Pick<RemoteSourceInfo, 'source_type' | 'prefix'>, declared: readonly DesiredSource[]): DesiredSource | undefined {
  return declared.find((s) => s.moved_from !== null && sameSource(s.type, s.moved_from, remote));
}

/** The remote source a declared one moves away from (its old prefix), if it still exists. */
export function movedFrom(source: DesiredSource, remotes: readonly RemoteSourceInfo[]): RemoteSourceInfo | undefined {
  if (source.moved_from === null) return undefined;
  return remotes.find((r) => sameSource(source.type, source.moved_from!, r));
}

/**
 * What a delete drops: every table whose synced data goes with the source, enabled or not (a table disabled
 * after it synced keeps its data until the source is deleted), with the warehouse table names people query.
 * Tables that never synced and are off (the rest of what discovery offered) hold nothing and are left out.
 */
export function deletedSource(remote: RemoteSourceInfo): Record<string, unknown> {
  const tables = remote.schemas
    .filter((s) => s.should_sync || (s.table !== null && s.table !== undefined) || (s.last_synced_at !== null && s.last_synced_at !== undefined))
    .map((s) => s.name)
    .sort(compareNames);
  return {
    source_type: remote.source_type,
    prefix: remote.prefix,
    description: remote.description,
    tables,
    warehouse_tables: tables.map((t) => warehouseTableName(remote.prefix, remote.source_type, t)),
  };
}

/** The target of a remote source that is not (or no longer) declared (its address is `remote.TYPE.PREFIX`). */
function remoteTarget(source: string, remote: Pick<RemoteSourceInfo, 'source_type' | 'prefix'>): SourceChange['target'] {
  return { source, kind: 'source', undeclared: { source_type: remote.source_type, prefix: remote.prefix ?? '' } };
}

/** `--prune`: an undeclared source is deleted. */
export function pruneChange(remote: RemoteSourceInfo): Pending<SourceChange> {
  const source = `${remote.source_type}:${remote.prefix ?? ''}`;
  return {
    kind: 'source',
    source_type: remote.source_type,
    action: 'delete',
    remote_id: remote.id,
    source,
    before: deletedSource(remote),
    after: null,
    reason: 'not declared in the file, and --prune was given: the source, all its tables and their synced data are deleted',
    path: '',
    target: remoteTarget(source, remote),
    requests: [deleteSourceRequest(remote.id, PHASE.source)],
  };
}

/**
 * `moved_from`: the old source is deleted in the same plan as the new one is created. The delete belongs
 * to the declared source (same `source`) and its request is in the last phase, so apply sends it after
 * everything else of that source and only when all of it succeeded; sortChanges lists it last.
 */
export function moveDeleteChange(source: DesiredSource, old: RemoteSourceInfo): Pending<SourceChange> {
  return {
    kind: 'source',
    source_type: old.source_type,
    action: 'delete',
    remote_id: old.id,
    source: source.name,
    before: deletedSource(old),
    after: null,
    reason: `${source.name} moved from prefix "${source.moved_from}" to "${source.prefix}": the old source, all its tables and their synced data are deleted after the new source is in place`,
    path: toPointer(['sources', source.name, 'moved_from']),
    target: remoteTarget(source.name, old),
    requests: [deleteSourceRequest(old.id, PHASE.deleteLast)],
  };
}

/** Within one source's changes, a delete (the old source of a move) comes after everything else. */
export function deleteLast(a: Pick<Change, 'action'>, b: Pick<Change, 'action'>): number {
  return Number(a.action === 'delete') - Number(b.action === 'delete');
}

/**
 * `prefix-change`: a new source next to exactly one undeclared source of its type looks like a renamed
 * prefix. PostHog cannot rename one in place; without moved_from both sources sync (and bill) the same data.
 */
export function prefixChangeMessage(source: DesiredSource, old: RemoteSourceInfo): string {
  const oldPrefix = old.prefix ?? '';
  return (
    `No ${source.type} source has prefix "${source.prefix}", but one with prefix "${oldPrefix}" is not declared. ` +
    `If you renamed the prefix: PostHog cannot rename it in place, so apply creates a second source (tables ${warehouseTableName(source.prefix, source.type, '…')}) ` +
    `and the old one keeps syncing the same data under its old table names, billed twice, until it is deleted. ` +
    `Add \`moved_from: ${JSON.stringify(oldPrefix)}\` to this source to create the new one and delete the old one in the same apply, or delete it later with --prune.`
  );
}

/** Undeclared remote sources that could be this new source's old self (candidates for prefix-change). */
export function renameCandidates(source: DesiredSource, desired: Pick<DesiredState, 'sources' | 'unmanaged'>, remotes: readonly RemoteSourceInfo[]): RemoteSourceInfo[] {
  if (source.moved_from !== null) return [];
  return remotes.filter(
    (r) => r.source_type === source.type && !desired.sources.some((d) => sameSource(d.type, d.prefix, r)) && !movedTo(r, desired.sources) && !ownedElsewhere(r, desired),
  );
}
