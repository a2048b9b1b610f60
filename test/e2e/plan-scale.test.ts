/**
 * Plan at scale: the number of PostHog requests grows with sources, never with tables, and plan never
 * writes. A markdown plan for a huge project stays under GitHub's comment limit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { leakedSecrets, useWorld } from '../helpers/world.js';
import { MARKDOWN_LIMIT } from '../../src/render/plan.js';

// These tests count plan's reads. The set-up applies 600 tables; with the PostHog generation that refuses
// bulk_update_schemas to personal keys (the emulator's default, API.md §12) apply falls back to one PATCH
// per schema, paced under PostHog's 480/minute limit, which is correct but makes set-up take minutes.
// The generation that accepts the bulk call keeps set-up to one request per source.
const world = useWorld({ bulkUpdateSchemasScope: 'write' });
const TABLES = Array.from({ length: 200 }, (_, i) => `t${String(i + 1).padStart(3, '0')}`);

beforeAll(async () => {
  await world.database.query(
    ['CREATE SCHEMA big;', ...TABLES.map((t) => `CREATE TABLE big.${t} (id bigint PRIMARY KEY, payload text, updated_at timestamptz NOT NULL); CREATE INDEX ON big.${t} (updated_at);`)].join('\n'),
  );
});

function manySources(sources: number, tables: number): string {
  const lines = ['version: 1', 'sources:'];
  for (let s = 1; s <= sources; s++) {
    const n = String(s).padStart(2, '0');
    lines.push(
      `  big_${n}:`,
      '    type: Postgres',
      `    prefix: p${n}_`,
      '    config:',
      '      host: ${DB_HOST}',
      '      port: ${DB_PORT}',
      '      database: postgres',
      '      user: postgres',
      '      password: ${SHOP_DB_PASSWORD}',
      '      schema: big',
      '    tables:',
      ...TABLES.slice(0, tables).map((t) => `      ${t}: { sync: incremental, incremental_field: updated_at }`),
    );
  }
  return lines.join('\n') + '\n';
}

/** Plan, and return the requests it made (method and path without the query). */
async function planRequests(sources: number, tables: number) {
  await world.write(manySources(sources, tables));
  world.emulator.requests.length = 0;
  const r = await world.dwctl('plan', '--format', 'json', '--out', 'plan.json');
  expect(leakedSecrets(world, r.stdout, r.stderr, await world.read('plan.json'))).toEqual([]);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  const plan = JSON.parse(r.stdout) as { summary: { create: number }; diagnostics: unknown[] };
  expect(plan.diagnostics).toEqual([]);
  expect(plan.summary.create).toBe(sources * (tables + 1));
  return world.emulator.requests.map((q) => ({ method: q.method, path: q.path.replace(/\?.*$/, ''), status: q.status }));
}

describe('plan requests for 20 sources', () => {
  it('is 1 list + 20 database_schema, the same for 200 tables each as for 20, and writes nothing', async () => {
    const big = await planRequests(20, 200);
    const small = await planRequests(20, 20);
    const expected = [
      { method: 'GET', path: '/api/projects/1/external_data_sources/', status: 200 },
      ...Array.from({ length: 20 }, () => ({ method: 'POST', path: '/api/projects/1/external_data_sources/database_schema/', status: 200 })),
    ];
    expect(big).toEqual(expected);
    expect(small).toEqual(expected);
    expect(big.length).toBe(small.length);
    // database_schema is a POST that only reads; nothing that creates, updates or deletes was hit.
    for (const request of [...big, ...small]) {
      expect(request.method === 'GET' || request.path.endsWith('/database_schema/'), `${request.method} ${request.path}`).toBe(true);
      expect(request.method).not.toMatch(/^(PATCH|PUT|DELETE)$/);
      expect(request.path).not.toMatch(/reload|refresh_schemas|webhook|bulk_update|resync|cancel|check_cdc/);
    }
    expect(big.filter((q) => q.method === 'POST' && q.path === '/api/projects/1/external_data_sources/')).toEqual([]);
    expect(world.emulator.state.snapshot()).toMatchObject({ sources: [] });
  });
});

describe('plan requests for existing sources', () => {
  it('adds one retrieve and one jobs read per existing source, still independent of the number of tables', async () => {
    const counts: string[][] = [];
    for (const tables of [200, 20]) {
      world.emulator.reset();
      await world.write(manySources(3, tables));
      const applied = await world.dwctl('apply', '--yes');
      expect(leakedSecrets(world, applied.stdout, applied.stderr)).toEqual([]);
      expect(applied.exitCode).toBe(0);
      world.emulator.requests.length = 0;
      const r = await world.dwctl('plan', '--detailed-exitcode');
      expect(leakedSecrets(world, r.stdout, r.stderr)).toEqual([]);
      expect(r.exitCode).toBe(0);
      counts.push(world.emulator.requests.map((q) => `${q.method} ${q.path.replace(/\?.*$/, '').replace(/[0-9a-f-]{36}/, '<id>')}`).sort());
    }
    expect(counts[0]).toEqual(counts[1]);
    expect(counts[0]).toEqual([
      'GET /api/projects/1/external_data_sources/',
      'GET /api/projects/1/external_data_sources/<id>/',
      'GET /api/projects/1/external_data_sources/<id>/',
      'GET /api/projects/1/external_data_sources/<id>/',
      // The job history behind rows per month: one per existing source (API.md §2.12).
      'GET /api/projects/1/external_data_sources/<id>/jobs/',
      'GET /api/projects/1/external_data_sources/<id>/jobs/',
      'GET /api/projects/1/external_data_sources/<id>/jobs/',
      'POST /api/projects/1/external_data_sources/database_schema/',
      'POST /api/projects/1/external_data_sources/database_schema/',
      'POST /api/projects/1/external_data_sources/database_schema/',
    ]);
  });
});

describe('markdown for a huge plan', () => {
  it('starts with the summary table, collapses details and stays under 60,000 characters', async () => {
    await world.write(manySources(30, 200));
    const r = await world.dwctl('plan', '--format', 'markdown');
    expect(leakedSecrets(world, r.stdout, r.stderr)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('### dwctl plan: 6030 to create, 0 to update, 0 to delete');
    expect(lines.slice(2, 5)).toEqual([
      '| Source | Create | Update | Delete | Unchanged | Rows/month (known) |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      '| `big_01` | 201 | 0 | 0 | 0 | 0 |',
    ]);
    expect(lines.filter((l) => l.startsWith('| `big_')).length).toBe(30);
    const details = r.stdout.indexOf('<details>');
    expect(details).toBeGreaterThan(r.stdout.indexOf('| `big_30` |'));
    expect(r.stdout).toContain('</details>');
    expect(r.stdout).toMatch(/_\d+ sources omitted to stay within GitHub's comment limit: see the full plan in the job log \(`dwctl show`\)\._/);
  });
});
