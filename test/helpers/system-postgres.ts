/**
 * The machine's PostgreSQL for one test file (logical WAL, password auth): what enable_cdc and credential checks
 * need beyond PGlite. Started once; without pg_ctl a test calls `require(ctx)`, which skips it (never passes it),
 * and under CI a missing server fails the file instead.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, type TestContext } from 'vitest';
import { findPostgresBinDir, startSystemPostgres, type PgServer } from '../emulator/pg/harness.js';
import { REPO_ROOT } from './spawn-cli.js';
import type { World } from './world.js';

export function useSystemPostgres(world: World): { require(ctx: TestContext): PgServer } {
  let pg: PgServer | null = null;
  beforeAll(async () => {
    pg = await startSystemPostgres({ seedSql: await readFile(join(REPO_ROOT, 'test', 'emulator', 'pg', 'shop-seed.sql'), 'utf8'), walLevel: 'logical' });
    if (!pg && process.env.CI) throw new Error('CI is set but no PostgreSQL binaries were found');
    if (pg) world.secrets.push(pg.password);
  });
  afterAll(async () => {
    await pg?.close();
  });
  return {
    require(ctx) {
      if (!pg) {
        expect(findPostgresBinDir()).toBeNull();
        ctx.skip('no PostgreSQL server binaries (pg_ctl) on this machine');
      }
      return pg!;
    },
  };
}

/** A Postgres source `cdc_db` (prefix cdc_) on that server: its host, port and password are the references `env` sets. */
export function cdcDbSource(s: PgServer, body: { description?: string; tables: string; cdc?: string }): string {
  return `  cdc_db:
    type: Postgres
    prefix: cdc_
${body.description ? `    description: ${body.description}\n` : ''}    config:
      host: \${CDC_DB_HOST}
      port: \${CDC_DB_PORT}
      database: ${s.database}
      user: ${s.user}
      password: \${CDC_DB_PASSWORD}
      schema: public
    tables:
${body.tables}${body.cdc ?? ''}`;
}

export const cdcDbEnv = (s: PgServer): Record<string, string> => ({ CDC_DB_HOST: s.host, CDC_DB_PORT: String(s.port), CDC_DB_PASSWORD: s.password });
