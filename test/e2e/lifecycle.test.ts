/**
 * Issue 14 end to end, against the emulator: read-only plans (the flag, and a key with only
 * external_data_source:read from the world's key table, API.md §1), sources other teams own
 * (unmanaged.ignore), deletes that list every table, and prefix moves (moved_from).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/spawn-cli.js';
import { READ_ONLY_API_KEY, runChecked, useWorld } from '../helpers/world.js';
import { SHOP_SOURCE } from './apply-helpers.js';

const world = useWorld();

const dwctl = (...argv: string[]) => runChecked(world, argv);
const readOnlyKey = { POSTHOG_PERSONAL_API_KEY: READ_ONLY_API_KEY };

const SHOP_YAML = `version: 1\nsources:\n${SHOP_SOURCE}`;

/** Requests the emulator answered since the last reset (method and path, without the project part). */
function requests(): string[] {
  return world.emulator.requests.map((r) => `${r.method} ${r.path.replace(/^\/api\/(projects|environments)\/[^/]+\//, '')} ${r.status}`);
}

/** The shop source, applied under another prefix with the write key (a setup step, not what is tested). */
async function applied(yaml: string): Promise<void> {
  await world.write(yaml);
  const r = await dwctl('apply', '--yes');
  expect(r.exitCode).toBe(0);
  world.emulator.requests.length = 0;
}

/** Where a PR plan runs: the read-only key, and none of the file's ${...} values (no DB host, no password). */
const PR_YAML = SHOP_YAML.replace('${DB_HOST}', '${PR_UNSET_DB_HOST}').replace('${SHOP_DB_PASSWORD}', '${PR_UNSET_PASSWORD}');

describe('read-only plan', () => {
  it('--read-only diffs the file against existing sources with read-scoped calls only (GET), needs no secrets, and says what it did not check', async () => {
    await applied(SHOP_YAML);
    await world.write(PR_YAML.replace('sync_frequency: 1hour', 'sync_frequency: 6hour'));
    const r = await runChecked(world, ['plan', '--read-only', '--detailed-exitcode'], readOnlyKey);
    expect(r.err).toBe('');
    expect(r.exitCode).toBe(2);
    expect(r.out).toMatchInlineSnapshot(`
      "source shop_db (Postgres)
        = unchanged source
        ~ update table orders → shop_postgres_orders  # settings differ: sync_frequency
            ~ sync_frequency = "1hour" → "6hour"
        = 2 tables unchanged: countries, users

      Warnings and notes:
        warehouse.yaml:1:1 warning read-only-plan Read-only plan (--read-only): the file was compared with PostHog's existing sources and tables and with the wizard schema only. Not checked: the sources' credentials (PostHog's database_schema); that each declared table exists and offers its sync type, incremental field and primary key (table discovery); CDC prerequisites (check_cdc_prerequisites, check_cdc_prerequisites_for_source); cost estimates and sync recommendations (row counts come from discovery); config values whose \${...} references are not set where the plan ran. This plan cannot be applied: run plan with a key that has external_data_source:write (for example where apply runs) for the full check.

      Plan: 0 to create, 1 to update, 0 to delete.
      Read-only plan: credentials, table discovery and CDC prerequisites were not checked; it cannot be applied.
      "
    `);
    // API.md §1: list and retrieve are read actions; database_schema and check_cdc_prerequisites are write actions.
    expect(requests().every((line) => line.startsWith('GET ') && line.endsWith(' 200'))).toBe(true);
    expect(requests()).toEqual(['GET external_data_sources/?limit=100&offset=0 200', expect.stringMatching(/^GET external_data_sources\/[0-9a-f-]{36}\/ 200$/)]);
  });

  it('JSON: applyable false, read_only with what was not checked, bound by the digest; markdown carries the notice', async () => {
    await applied(SHOP_YAML);
    await world.write(PR_YAML.replace('sync_frequency: 1hour', 'sync_frequency: 6hour'));
    const json = await runChecked(world, ['plan', '--read-only', '--format', 'json', '--out', 'ro.json'], readOnlyKey);
    expect(json.exitCode).toBe(0);
    const plan = JSON.parse(json.stdout);
    expect(json.stdout).toBe(json.planText);
    expect(plan.applyable).toBe(false);
    expect(plan.options).toEqual({ prune: false, sources: null, read_only: true });
    expect(plan.read_only.reason).toBe('flag');
    expect(plan.read_only.not_checked).toEqual(expect.arrayContaining([expect.stringMatching(/credentials/), expect.stringMatching(/discovery/), expect.stringMatching(/CDC prerequisites/)]));
    expect(plan.summary).toEqual({ create: 0, update: 1, delete: 0, no_op: 3 });
    expect(plan.diagnostics.map((d: { code: string; severity: string }) => `${d.severity} ${d.code}`)).toEqual(['warning read-only-plan']);
    const md = await runChecked(world, ['plan', '--read-only', '--format', 'markdown'], readOnlyKey);
    expect(md.out).toMatch(/^### dwctl plan \(read-only\): 0 to create, 1 to update, 0 to delete\n\n> \[!NOTE\]\n> Read-only plan: compared with PostHog's existing sources and tables only\. Not checked:\n> - the sources' credentials/);
    expect(md.out).toContain('`read-only-plan`');
  });

  it('a key without write scope is detected from the 403 of the first database_schema: one refused request, then read-only', async () => {
    await applied(SHOP_YAML);
    await world.write(SHOP_YAML.replace('sync_frequency: 1hour', 'sync_frequency: 6hour'));
    const r = await runChecked(world, ['plan', '--format', 'json'], readOnlyKey);
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.read_only.reason).toBe('key-without-write-scope');
    expect(plan.applyable).toBe(false);
    expect(plan.summary.update).toBe(1);
    expect(plan.diagnostics[0].message).toMatch(/lacks the external_data_source:write scope .*\(PostHog answered 403\)/);
    const writes = requests().filter((line) => !line.startsWith('GET '));
    expect(writes).toEqual(['POST external_data_sources/database_schema/ 403']);
  });

  it('plans a new source from the file alone; lint errors still block (exit 1)', async () => {
    await world.write(PR_YAML);
    const r = await runChecked(world, ['plan', '--read-only', '--detailed-exitcode'], readOnlyKey);
    expect(r.exitCode).toBe(2);
    expect(r.out).toMatchInlineSnapshot(`
      "source shop_db (Postgres)
        + create source  # no Postgres source with prefix "shop_" exists in project 1
            + source_type = "Postgres"
            + prefix = "shop_"
            + description = "Shop database"
            + config.port = <db-port>
            + config.database = "postgres"
            + config.user = "postgres"
            + config.schema = "public"
        + create table countries → shop_postgres_countries  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "7day"
        + create table orders → shop_postgres_orders  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "incremental"
            + incremental_field = "updated_at"
            + sync_frequency = "1hour"
        + create table users → shop_postgres_users  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "24hour"

      Warnings and notes:
        warehouse.yaml:1:1 warning read-only-plan Read-only plan (--read-only): the file was compared with PostHog's existing sources and tables and with the wizard schema only. Not checked: the sources' credentials (PostHog's database_schema); that each declared table exists and offers its sync type, incremental field and primary key (table discovery); CDC prerequisites (check_cdc_prerequisites, check_cdc_prerequisites_for_source); cost estimates and sync recommendations (row counts come from discovery); config values whose \${...} references are not set where the plan ran. This plan cannot be applied: run plan with a key that has external_data_source:write (for example where apply runs) for the full check.

      Plan: 4 to create, 0 to update, 0 to delete.
      Read-only plan: credentials, table discovery and CDC prerequisites were not checked; it cannot be applied.
      "
    `);
    expect(requests()).toEqual(['GET external_data_sources/?limit=100&offset=0 200']);

    await world.write(PR_YAML.replace('sync: full_refresh', 'sync: sometimes'));
    const bad = await runChecked(world, ['plan', '--read-only'], readOnlyKey);
    expect(bad.exitCode).toBe(1);
    expect(bad.out).toMatch(/invalid-value/);
  });

  it('is never applied: apply refuses a read-only plan file (exit 1, nothing sent), and apply with a read-only key cannot run (exit 3)', async () => {
    await applied(SHOP_YAML);
    await world.write(SHOP_YAML.replace('sync_frequency: 1hour', 'sync_frequency: 6hour'));
    expect((await dwctl('plan', '--read-only', '--out', 'ro.json')).exitCode).toBe(0);
    world.emulator.requests.length = 0;
    const refused = await dwctl('apply', 'ro.json', '--yes');
    expect(refused.exitCode).toBe(1);
    expect(refused.err).toMatch(/ro\.json is a read-only plan: it was made without checking credentials, table discovery or CDC prerequisites, so it cannot be applied/);
    expect(requests()).toEqual([]);

    // Edited to look applyable: the digest no longer matches (stale plan), still nothing sent.
    const edited = JSON.parse(await world.read('ro.json'));
    delete edited.read_only;
    delete edited.options.read_only;
    edited.applyable = true;
    await world.write(JSON.stringify(edited), 'ro.json');
    const stale = await dwctl('apply', 'ro.json', '--yes');
    expect(stale.exitCode).toBe(1);
    expect(stale.err).toMatch(/stale plan: ro\.json was edited/);
    expect(requests()).toEqual([]);

    const fresh = await runChecked(world, ['apply', '--yes'], readOnlyKey);
    expect(fresh.exitCode).toBe(3);
    expect(fresh.err).toMatch(/external_data_source:write/);
    expect(requests().filter((line) => !line.startsWith('GET '))).toEqual(['POST external_data_sources/database_schema/ 403']);
  });
});

describe('the CI recipes’ pull-request plan', () => {
  /** The dwctl words of the recipe's plan line, up to the shell redirection. */
  function recipePlanLine(file: string): string[] {
    const line = readFileSync(join(REPO_ROOT, 'examples', 'ci', file), 'utf8').split('\n').find((l) => l.includes('npx dwctl plan --read-only'))!;
    const words = line.slice(line.indexOf('npx dwctl ') + 'npx dwctl '.length).split(' ');
    return words.slice(0, words.indexOf('>'));
  }

  it.each(['github/pull-request.yml', 'gitlab/.gitlab-ci.yml'])('%s: runs as written with the read-only key and no source secrets (exit 2, read-only markdown, plan.json)', async (file) => {
    const argv = recipePlanLine(file);
    expect(argv).toEqual(['plan', '--read-only', '--format', 'markdown', '--detailed-exitcode', '--out', 'plan.json']);
    await applied(SHOP_YAML);
    await world.write(PR_YAML.replace('sync_frequency: 1hour', 'sync_frequency: 6hour'));
    const r = await runChecked(world, argv, readOnlyKey);
    expect(r.exitCode).toBe(2);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^### dwctl plan \(read-only\): 0 to create, 1 to update, 0 to delete\n/);
    expect(JSON.parse(r.planText).read_only.reason).toBe('flag');
    expect(requests().every((line) => line.startsWith('GET '))).toBe(true);
  });
});

/** A second team's Postgres source in the same project (same database, its own prefix). */
const TEAM_B_YAML = SHOP_YAML.replace('shop_db:', 'team_b_db:').replace('prefix: shop_', 'prefix: team_b_');

describe('sources other teams own', () => {
  it('unmanaged.ignore: a matching source is neither reported nor pruned', async () => {
    await applied(TEAM_B_YAML);
    await applied(SHOP_YAML);
    const ignoring = SHOP_YAML.replace('version: 1\n', 'version: 1\nunmanaged:\n  ignore: ["Postgres:team_b_*"]\n');
    await world.write(ignoring);
    const plain = await dwctl('plan', '--detailed-exitcode');
    expect(plain.exitCode).toBe(0);
    expect(plain.out).not.toMatch(/unmanaged-source|team_b/);
    const pruned = await dwctl('plan', '--prune', '--detailed-exitcode', '--format', 'json');
    expect(pruned.exitCode).toBe(0);
    expect(JSON.parse(pruned.stdout).changes.filter((c: { action: string }) => c.action === 'delete')).toEqual([]);
    expect((await dwctl('apply', '--yes')).exitCode).toBe(0);
    expect(world.emulator.requests.filter((r) => r.method === 'DELETE')).toEqual([]);

    // A pattern of another type does not match: the source is reported again.
    await world.write(SHOP_YAML.replace('version: 1\n', 'version: 1\nunmanaged:\n  ignore: ["Stripe:team_b_*"]\n'));
    expect((await dwctl('plan')).out).toMatch(/info unmanaged-source PostHog has a Postgres "team_b_" source/);
  });

  it('every delete lists all tables whose data it drops, enabled or not (text, markdown, JSON)', async () => {
    await world.write(TEAM_B_YAML);
    expect((await dwctl('apply', '--yes', '--wait')).exitCode).toBe(0);
    // users synced, then was dropped from the file: disabled, its synced data kept until the source goes.
    await applied(TEAM_B_YAML.replace('      users:\n        sync: full_refresh\n', ''));
    await world.write(SHOP_YAML);
    const text = await dwctl('plan', '--prune');
    expect(text.out).toContain(
      [
        '  - delete source Postgres "team_b_" (id <uuid>)  # not declared in the file, and --prune was given: the source, all its tables and their synced data are deleted',
        '      - source_type = "Postgres"',
        '      - prefix = "team_b_"',
        '      - description = "Shop database"',
        '      - tables = ["countries","orders","users"]',
        '      - warehouse_tables = ["team_b_postgres_countries","team_b_postgres_orders","team_b_postgres_users"]',
      ].join('\n'),
    );
    const md = await dwctl('plan', '--prune', '--format', 'markdown');
    expect(md.out).toContain('-     tables = ["countries","orders","users"]');
    const json = JSON.parse((await dwctl('plan', '--prune', '--format', 'json')).stdout);
    const del = json.changes.find((c: { action: string }) => c.action === 'delete');
    expect(del.before.tables).toEqual(['countries', 'orders', 'users']);
    // The tables discovery offered that were never synced (created off) hold no data and are not listed.
    expect(del.before.tables).not.toContain('audit_log');
  });
});

const MOVED_YAML = SHOP_YAML.replace('prefix: shop_\n', 'prefix: shop_\n    moved_from: old_\n');

describe('prefix moves', () => {
  it('moved_from: one plan creates the new source and deletes the old one last; apply creates first, deletes last; re-runs converge', async () => {
    await applied(SHOP_YAML.replace('prefix: shop_', 'prefix: old_'));
    await world.write(MOVED_YAML);
    const plan = await dwctl('plan', '--detailed-exitcode', '--format', 'json', '--out', 'move.json');
    expect(plan.exitCode).toBe(2);
    const doc = JSON.parse(plan.stdout);
    expect(doc.changes.map((c: { address: string; action: string }) => `${c.action} ${c.address}`)).toEqual([
      'create source.shop_db',
      'create source.shop_db.table.countries',
      'create source.shop_db.table.orders',
      'create source.shop_db.table.users',
      'delete remote.Postgres.old_',
    ]);
    const del = doc.changes.at(-1);
    expect(del.source).toBe('shop_db');
    expect(del.before.tables).toEqual(['countries', 'orders', 'users']);
    expect(del.path).toBe('/sources/shop_db/moved_from');
    expect(doc.diagnostics.filter((d: { code: string }) => d.code === 'prefix-change' || d.code === 'unmanaged-source')).toEqual([]);

    // --prune does not plan the moved source's delete twice.
    const pruned = JSON.parse((await dwctl('plan', '--prune', '--format', 'json')).stdout);
    expect(pruned.changes.filter((c: { action: string }) => c.action === 'delete').map((c: { address: string }) => c.address)).toEqual(['remote.Postgres.old_']);
    const text = await dwctl('plan');
    expect(text.out).toMatch(/\+ create table users → shop_postgres_users[^\n]*\n(?:[^\n]*\n)*?  - delete source Postgres "old_" \(id <uuid>\)  # shop_db moved from prefix "old_" to "shop_": the old source, all its tables and their synced data are deleted after the new source is in place\n/);

    world.emulator.requests.length = 0;
    const apply = await dwctl('apply', 'move.json', '--yes');
    expect(apply.exitCode).toBe(0);
    const writes = requests().filter((line) => !line.startsWith('GET ') && !line.includes('database_schema'));
    const created = writes.findIndex((line) => /^POST external_data_sources\/ 201$/.test(line));
    const deleted = writes.findIndex((line) => line.startsWith('DELETE '));
    expect(created).toBeGreaterThanOrEqual(0);
    expect(deleted).toBe(writes.length - 1);
    expect(created).toBeLessThan(deleted);

    // moved_from stays in the file: the old source is gone and the plan is clean.
    const after = await dwctl('plan', '--detailed-exitcode');
    expect(after.out).toMatch(/No changes\. PostHog matches the file\.\n$/);
    expect(after.exitCode).toBe(0);
  });

  it('never deletes the old source when the create failed; the next run finishes the move', async () => {
    await applied(SHOP_YAML.replace('prefix: shop_', 'prefix: old_'));
    await world.write(MOVED_YAML);
    world.emulator.faults.add({ method: 'POST', path: 'external_data_sources/?$', status: 400, times: 1 });
    const failed = await dwctl('apply', '--yes');
    expect(failed.exitCode).toBe(1);
    expect(failed.err).toMatch(/skipped remote\.Postgres\.old_|remote\.Postgres\.old_[^\n]*skipped/);
    expect(world.emulator.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    world.emulator.faults.clear();
    expect((await dwctl('apply', '--yes')).exitCode).toBe(0);
    expect(world.emulator.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect((await dwctl('plan', '--detailed-exitcode')).exitCode).toBe(0);
  });

  it('without moved_from, a prefix change warns that both sources sync and bill the same data', async () => {
    await applied(SHOP_YAML.replace('prefix: shop_', 'prefix: old_'));
    await world.write(SHOP_YAML);
    const r = await dwctl('plan');
    expect(r.out).toContain(
      'warning prefix-change No Postgres source has prefix "shop_", but one with prefix "old_" is not declared. If you renamed the prefix: PostHog cannot rename it in place, so apply creates a second source (tables shop_postgres_…) and the old one keeps syncing the same data under its old table names, billed twice, until it is deleted. Add `moved_from: "old_"` to this source to create the new one and delete the old one in the same apply, or delete it later with --prune.',
    );
  });
});
