/**
 * Credential rotation end to end (API.md §12) against a PostgreSQL that checks passwords (PGlite accepts any):
 * after ALTER USER, PostHog's syncs fail with the stored password; plan warns (stored-credentials-failing)
 * naming --update-credentials; plan/apply with the flag send the whole config and PostHog re-validates it;
 * the next plan has nothing to do. Every output, plan file and the file itself are checked for secrets.
 *
 * Without PostgreSQL binaries the runner skips these (CI installs them: .ci/run).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { findPostgresBinDir, startSystemPostgres, type PgServer } from '../emulator/pg/harness.js';
import { call, waitFor } from '../emulator/support.js';
import { REPO_ROOT } from '../helpers/spawn-cli.js';
import { runChecked, useWorld } from '../helpers/world.js';

const world = useWorld({ syncDurationMs: 30 }, { resetEach: false });
let pg: PgServer | null = null;
const ROTATED = 'rotated-Pw-0451';
const WRONG = 'not-the-password-9931';

beforeAll(async () => {
  pg = await startSystemPostgres({ seedSql: await readFile(join(REPO_ROOT, 'test', 'emulator', 'pg', 'shop-seed.sql'), 'utf8') });
  if (!pg && process.env.CI) throw new Error('CI is set but no PostgreSQL binaries were found');
  if (pg) world.secrets.push(pg.password, ROTATED, WRONG);
});
afterAll(async () => {
  await pg?.close();
});

function requireServer(ctx: TestContext): PgServer {
  if (!pg) {
    expect(findPostgresBinDir()).toBeNull();
    ctx.skip('no PostgreSQL server binaries (pg_ctl) on this machine');
  }
  return pg!;
}

const file = (s: PgServer) => `version: 1
sources:
  rot_db:
    type: Postgres
    prefix: rot_
    config:
      host: \${ROT_DB_HOST}
      port: \${ROT_DB_PORT}
      database: ${s.database}
      user: ${s.user}
      password: \${ROT_DB_PASSWORD}
      schema: public
    tables:
      orders:
        sync: full_refresh
`;

interface PlanJson {
  changes: { address: string; action: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; reason: string }[];
  diagnostics: { code: string; severity: string; message: string }[];
  options: Record<string, unknown>;
}

describe('credential rotation (system PostgreSQL)', () => {
  it('plan warns when PostHog holds a password the database no longer accepts; --update-credentials sends the file\'s, and the next plan is clean', async (ctx) => {
    const s = requireServer(ctx);
    const env = (password: string) => ({ ROT_DB_HOST: s.host, ROT_DB_PORT: String(s.port), ROT_DB_PASSWORD: password });
    await world.write(file(s));
    const first = await runChecked(world, ['apply', '--yes'], env(s.password));
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const [source] = world.emulator.state.liveSources();
    const schemaOf = async () => (await call(world.emulator, 'GET', `external_data_sources/${source!.id}/`)).body.schemas.find((x: { name: string }) => x.name === 'orders');
    await waitFor(async () => (await schemaOf()).status === 'Completed');

    try {
      await s.query(`ALTER USER ${s.user} PASSWORD '${ROTATED}'`);
      // PostHog's next sync uses the stored (old) password and fails (API.md §12).
      expect((await call(world.emulator, 'POST', `external_data_schemas/${(await schemaOf()).id}/reload/`)).status).toBe(200);
      await waitFor(async () => (await schemaOf()).status === 'Failed');

      // The file has the new password: database_schema accepts it, so plan can tell PostHog's is the stale one.
      const warned = await runChecked(world, ['plan', '--format', 'json'], env(ROTATED));
      expect(warned.exitCode, warned.stderr).toBe(0);
      const warnedPlan = JSON.parse(warned.stdout) as PlanJson;
      const warning = warnedPlan.diagnostics.find((d) => d.code === 'stored-credentials-failing')!;
      expect(warning.severity).toBe('warning');
      expect(warning.message).toContain('password authentication failed');
      expect(warning.message).toContain('--update-credentials rot_db');
      // Without the flag the source is unchanged (secrets are never compared).
      expect(warnedPlan.changes.find((c) => c.address === 'source.rot_db')!.action).toBe('no-op');

      const planned = await runChecked(world, ['plan', '--update-credentials', 'rot_db', '--out', 'rotate.json'], env(ROTATED));
      expect(planned.exitCode, planned.stderr).toBe(0);
      expect(planned.out).toContain('password = "(stored in PostHog)" → "(sensitive)"');
      const saved = JSON.parse(planned.planText) as PlanJson;
      expect(saved.options.update_credentials).toEqual(['rot_db']);
      const update = saved.changes.find((c) => c.address === 'source.rot_db')!;
      expect(update.action).toBe('update');
      expect((update.after!.config as Record<string, unknown>).password).toBe('(sensitive)');
      expect(saved.diagnostics.map((d) => d.code)).not.toContain('stored-credentials-failing');

      // A saved plan applies only with the names it was made with.
      const applied = await runChecked(world, ['apply', 'rotate.json', '--yes'], { ...env(ROTATED) });
      expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0); // no flag: the plan's own names are used
      expect(world.emulator.state.sources.get(source!.id)!.jobInputs.password).toBe(ROTATED);
      const patches = world.emulator.requests.filter((q) => q.method === 'PATCH' && q.path.split('?')[0]!.endsWith(`external_data_sources/${source!.id}/`));
      expect(patches).toHaveLength(1);
      // The whole config, nothing else: the rotation writes no other source field.
      expect(patches[0]!.body).toEqual({ job_inputs: { host: s.host, port: s.port, database: s.database, user: s.user, password: ROTATED, schema: 'public' } });

      // PostHog turned the failed table off; the same apply enabled it again, and its sync now succeeds.
      await waitFor(async () => (await schemaOf()).status === 'Completed');
      const clean = await runChecked(world, ['plan', '--detailed-exitcode'], env(ROTATED));
      expect(clean.exitCode, clean.stdout + clean.stderr).toBe(0);
      expect(clean.out).not.toContain('stored-credentials-failing');
    } finally {
      await s.query(`ALTER USER ${s.user} PASSWORD '${s.password}'`);
    }
  });

  it('a wrong password in the file: the plan\'s credential check refuses it (credentials-rejected) and nothing is sent', async (ctx) => {
    const s = requireServer(ctx);
    world.emulator.reset();
    const env = { ROT_DB_HOST: s.host, ROT_DB_PORT: String(s.port), ROT_DB_PASSWORD: s.password };
    await world.write(file(s));
    expect((await runChecked(world, ['apply', '--yes'], env)).exitCode).toBe(0);
    const [source] = world.emulator.state.liveSources();
    const r = await runChecked(world, ['apply', '--yes', '--update-credentials', 'rot_db'], { ...env, ROT_DB_PASSWORD: WRONG });
    expect(r.exitCode).toBe(1);
    expect(r.out + r.err).toContain('credentials-rejected');
    expect(world.emulator.state.sources.get(source!.id)!.jobInputs.password).toBe(s.password);
    expect(world.emulator.requests.some((q) => q.method === 'PATCH' && q.path.split('?')[0]!.endsWith(`external_data_sources/${source!.id}/`))).toBe(false);
  });

  it('--update-credentials names a declared source, within --source', async (ctx) => {
    const s = requireServer(ctx);
    await world.write(file(s));
    const env = { ROT_DB_HOST: s.host, ROT_DB_PORT: String(s.port), ROT_DB_PASSWORD: s.password };
    const unknown = await runChecked(world, ['plan', '--update-credentials', 'rot_dbb'], env);
    expect(unknown.exitCode).toBe(3);
    expect(unknown.err).toContain('--update-credentials rot_dbb: no such source');
    expect(unknown.err).toContain('rot_db');
  });
});
