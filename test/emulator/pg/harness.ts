/**
 * Real Postgres databases for the emulator's Postgres driver and its tests:
 *
 * - `startPglite()` — an in-memory PGlite (Postgres compiled to WASM) served over the wire protocol
 *   by `@electric-sql/pglite-socket` on 127.0.0.1. Always available, starts in about a second.
 *   PGlite performs NO authentication: any user name, password and database name are accepted and
 *   every session runs as the `postgres` superuser in database `postgres`. So PGlite cannot
 *   produce wrong-password / missing-database / missing-privilege failures — those tests need the
 *   system server. It reports `wal_level = replica` and PG 18+.
 * - `startSystemPostgres()` — a throwaway cluster of the machine's PostgreSQL (initdb in a unique
 *   temp dir, scram-sha-256 password auth on 127.0.0.1, a free port). Returns null when the
 *   PostgreSQL binaries are not installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';

const execFileAsync = promisify(execFile);

export interface PgServer {
  host: string;
  port: number;
  /** Database holding the seed. */
  database: string;
  /** Login role for the driver under test (owns the seeded tables on the system server). */
  user: string;
  password: string;
  kind: 'pglite' | 'postgres';
  /** Major server version (e.g. 15). */
  version: number;
  /** Run SQL as a superuser in `database` (multi-statement allowed); resolves to the last result's rows. */
  query(sql: string): Promise<unknown>;
  /** Stop the server and delete everything it wrote. Idempotent. */
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (tiny race until the server binds it; fine for tests). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function lastRows(result: pg.QueryResult | pg.QueryResult[]): unknown {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return last?.rows ?? [];
}

/** One-shot query over the wire, so `query()` exercises the same path the driver uses. */
async function runSql(conn: pg.ClientConfig, sql: string): Promise<unknown> {
  const client = new pg.Client({ ...conn, ssl: false });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return lastRows(await (client.query(sql) as unknown as Promise<pg.QueryResult | pg.QueryResult[]>));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A Postgres source's config (PostHog's field names) for a test server, schema public. */
export function sourceConfig(server: Pick<PgServer, 'host' | 'port' | 'database' | 'user' | 'password'>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password, schema: 'public', ...overrides };
}

// ---------------------------------------------------------------------------------------------
// PGlite
// ---------------------------------------------------------------------------------------------

export async function startPglite(options: { seedSql?: string } = {}): Promise<PgServer> {
  const db = await PGlite.create();
  if (options.seedSql) await db.exec(options.seedSql);
  // PGlite is single-session; the socket server queues concurrent clients, so allow several at once.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  const versionNum = Number(((await db.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]?.v) ?? 0);
  const conn = { host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database: 'postgres' };
  let closed = false;
  return {
    ...conn,
    kind: 'pglite',
    version: Math.floor(versionNum / 10000),
    query: (sql) => runSql(conn, sql),
    async close() {
      if (closed) return;
      closed = true;
      await server.stop().catch(() => undefined);
      await db.close().catch(() => undefined);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// System PostgreSQL
// ---------------------------------------------------------------------------------------------

/** Directory holding initdb/pg_ctl: PATH first, then the newest Debian /usr/lib/postgresql/<v>/bin. */
export function findPostgresBinDir(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const dir = join(root, v, 'bin');
    if (existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb'))) return dir;
  }
  return null;
}

interface OsUser {
  uid: number;
  gid: number;
  name: string;
}

/**
 * Postgres refuses to run as root. When we are root, run the server binaries as the `postgres` OS
 * user (created by the Debian package) through `runuser`, which needs no password or TTY.
 */
function serverOsUser(): OsUser | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0) throw new Error('running as root but there is no `postgres` OS user to run the server as');
  return { uid, gid, name: 'postgres' };
}

async function runAs(osUser: OsUser | null, binary: string, args: string[]): Promise<void> {
  const [cmd, argv] = osUser ? ['runuser', ['-u', osUser.name, '--', binary, ...args]] : [binary, args];
  try {
    await execFileAsync(cmd, argv, { timeout: 60_000 });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${binary} ${args[0] ?? ''} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

const SUPERUSER = 'postgres';
const APP_USER = 'dwctl';
const APP_DATABASE = 'shop';

/**
 * Start a private PostgreSQL cluster. The returned `user` (`dwctl`) is a non-superuser LOGIN role
 * with REPLICATION that owns database `shop`; the seed runs as that role, so it owns the seeded
 * tables (what CDC's ownership check wants). `query()` runs as the bootstrap superuser, for setup
 * such as extra roles or grants. Everything lives in one unique temp dir that `close()` removes.
 */
export async function startSystemPostgres(
  options: { seedSql?: string; walLevel?: 'logical' | 'replica'; maxReplicationSlots?: number } = {},
): Promise<PgServer | null> {
  const binDir = findPostgresBinDir();
  if (!binDir) return null;
  const osUser = serverOsUser();

  const root = await mkdtemp(join(tmpdir(), 'dwctl-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'sock');
  const logFile = join(root, 'server.log');
  const pwFile = join(root, 'pw');
  const superPassword = randomBytes(18).toString('base64url');
  const appPassword = randomBytes(18).toString('base64url');
  let started = false;

  const pgCtl = join(binDir, 'pg_ctl');
  // pg_ctl daemonises the server, so a test process that exits without close() would leave it
  // running; this synchronous last-chance stop covers that (a SIGKILLed process can't be helped).
  const stopOnExit = (): void => {
    if (!started) return;
    const argv = ['stop', '-D', dataDir, '-m', 'immediate', '-w'];
    if (osUser) spawnSync('runuser', ['-u', osUser.name, '--', pgCtl, ...argv], { timeout: 10_000 });
    else spawnSync(pgCtl, argv, { timeout: 10_000 });
    rmSync(root, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    process.off('exit', stopOnExit);
    if (started) {
      started = false;
      await runAs(osUser, pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w']).catch(() => undefined);
    }
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
  };

  try {
    await writeFile(pwFile, `${superPassword}\n`, { mode: 0o600 });
    await mkdir(socketDir);
    if (osUser) {
      for (const path of [root, socketDir, pwFile]) await chown(path, osUser.uid, osUser.gid);
      await chmod(root, 0o700);
    }

    await runAs(osUser, join(binDir, 'initdb'), [
      '-D', dataDir, '-U', SUPERUSER, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync',
    ]);

    const port = await freePort();
    const serverOptions = [
      `-c wal_level=${options.walLevel ?? 'logical'}`,
      `-c max_replication_slots=${options.maxReplicationSlots ?? 4}`,
      '-c max_wal_senders=4',
      "-c listen_addresses='127.0.0.1'",
      `-p ${port}`,
      `-k ${socketDir}`,
      // Durability is irrelevant for a throwaway test cluster; this makes DDL fast.
      '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
    ].join(' ');
    process.on('exit', stopOnExit);
    started = true;
    await runAs(osUser, pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', serverOptions]);

    const admin = { host: '127.0.0.1', port, user: SUPERUSER, password: superPassword };
    // Role + database for the driver under test. Passwords are generated, so quoting is safe.
    await runSql({ ...admin, database: 'postgres' }, `CREATE ROLE ${APP_USER} LOGIN REPLICATION PASSWORD '${appPassword}'`);
    await runSql({ ...admin, database: 'postgres' }, `CREATE DATABASE ${APP_DATABASE} OWNER ${APP_USER}`);
    const app = { host: '127.0.0.1', port, user: APP_USER, password: appPassword, database: APP_DATABASE };
    if (options.seedSql) await runSql(app, options.seedSql);
    const versionRows = (await runSql(app, `SELECT current_setting('server_version_num') AS v`)) as { v: string }[];

    return {
      ...app,
      kind: 'postgres',
      version: Math.floor(Number(versionRows[0]?.v ?? 0) / 10000),
      query: (sql) => runSql({ ...admin, database: APP_DATABASE }, sql),
      close: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
