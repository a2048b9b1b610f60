/**
 * The emulator's Postgres driver: credential checks, table discovery, CDC prerequisite checks and
 * primary-key lookup, all computed from a REAL database over the wire (node-postgres), the way
 * PostHog's `sources/postgres/source.py` + `postgres.py` + `cdc/prerequisite_validator.py` do it.
 *
 * Every user-facing string below is PostHog's (shared/posthog/API.md §2.2, §5, §8) unless a comment
 * says it was reconstructed. Each call opens its own client and always closes it; passwords are
 * never logged or echoed back in messages.
 */
import pg from 'pg';

import {
  type CdcCheckRequest,
  type CdcCheckResult,
  type DiscoveredTable,
  DriverError,
  type IncrementalField,
  type SourceDriver,
  SyncFailure,
} from './types.js';

export interface PostgresDriverOptions {
  /** Connect timeout for every connection the driver opens (PostHog uses a short libpq connect_timeout). */
  connectTimeoutMs?: number;
}

/** The flat Postgres payload PostHog receives (API.md §2.2 / §3). */
interface PostgresConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** Trimmed schema, or null when blank (then every non-system schema is listed, API.md §5). */
  schema: string | null;
  sshTunnel: Record<string, unknown> | null;
}

// ---------------------------------------------------------------------------------------------
// PostHog's user-facing texts
// ---------------------------------------------------------------------------------------------

const HOST_IS_URL_ERROR =
  'Enter just the hostname in the host field (for example, db.example.com), not a full URL or connection string. ' +
  'Remove any scheme (like http:// or postgres://) and any username, password, port, or path.';
const HOST_HAS_PORT_ERROR =
  'Enter just the hostname in the host field (for example, db.example.com). Put the port number in the port field instead.';
const RAILWAY_INTERNAL_HOST_ERROR =
  "Railway's .railway.internal host only resolves inside Railway's private network. " +
  'Use the public TCP proxy host and port Railway shows for your database instead.';
const MALFORMED_HOST_ERROR =
  'Enter a single hostname or IP address for the host, without a port, path, comma, space or trailing dot.';
const NON_ASCII_HOST_ERROR =
  'This host has characters outside ASCII. Enter its punycode form instead, the spelling that starts with xn--.';
const INVALID_CREDENTIALS_ERROR =
  'The database rejected the username or password. Check the user and password for this source and try again.';
const HOST_UNREACHABLE_ERROR =
  "PostHog reached the network but couldn't open a connection to the database host. This usually means the host only " +
  "accepts IPv6 connections (PostHog connects over IPv4), or a firewall is blocking PostHog's IP addresses. Use a host " +
  "that's reachable over IPv4 (for example a connection pooler), enable your provider's IPv4 add-on, or add PostHog's IP " +
  'addresses to your firewall allowlist, then try again.';
const GENERIC_CONNECT_ERROR = 'Could not connect to Postgres. Please check all connection details are valid.';

/**
 * PostHog's `PostgresErrors` table (source.py): the first key that is a substring of the libpq
 * error text wins, so order matters. Only the keys a vanilla server (or PGlite) can produce are
 * kept; pooler/provider-specific ones (Supavisor, SNI routing…) can't happen against a local server.
 */
const POSTGRES_ERRORS: ReadonlyArray<readonly [string, string]> = [
  ['password authentication failed for user', INVALID_CREDENTIALS_ERROR],
  ['error received from server in SCRAM exchange: Wrong password', INVALID_CREDENTIALS_ERROR],
  ['Temporary failure in name resolution', "PostHog couldn't resolve your database host right now. Check the host name, then try again in a moment."],
  ['could not translate host name', 'Could not connect to the host'],
  ['Network is unreachable', HOST_UNREACHABLE_ERROR],
  ['No route to host', HOST_UNREACHABLE_ERROR],
  ['Is the server running on that host and accepting TCP/IP connections', 'Could not connect to the host on the port given'],
  ['database "', "The database named in your connection details doesn't exist on this server. Check the database name is correct and try again."],
  [
    'timeout expired',
    "Connection timed out. Check that your database is reachable from the public internet and that PostHog's egress IP " +
      "addresses are allowed through your firewall (see the docs). For a database that can't be exposed publicly, use the SSH tunnel option.",
  ],
  ['the database system is starting up', 'Your database is starting up or recovering. Wait a moment and try again.'],
];

/** Postgres RLS notice, verbatim from PostHog's `RLS_WARNING_MESSAGE` (source.py). */
export const RLS_WARNING_MESSAGE =
  'Row-level security is active on this table for the sync role, so PostHog can only read rows the policy permits, ' +
  'and cannot detect how many rows are hidden. Granting the sync role BYPASSRLS will silence the check.';

/**
 * PostHog's Postgres discovery does not set `permission_error` (it is a Stripe-style scope probe,
 * API.md §5); the emulator reports a missing SELECT grant there so the CLI can surface it. The
 * wording mirrors the CDC check's `No SELECT permission on table '<s>.<t>'.` (API.md §8).
 */
function permissionErrorText(schema: string, table: string): string {
  return `No SELECT permission on table '${schema}.${table}'. Grant SELECT on it to the database user to sync it.`;
}

/** `_classify_refresh_schemas_error` generic map (API.md §2.2) for a discovery that fails after validation. */
function classifyDiscoveryError(libpqText: string): string {
  if (/timeout|timed out/i.test(libpqText)) return 'Connection timed out while fetching schemas from the source.';
  if (/refused|could not translate host name|Is the server running/i.test(libpqText)) {
    return 'Could not connect to the source. Check the host, port, and network access.';
  }
  if (/authentication failed|SCRAM|permission denied/i.test(libpqText)) return 'Could not authenticate with the source. Check the connection credentials.';
  return 'Could not fetch schemas from source.';
}

// ---------------------------------------------------------------------------------------------
// Config parsing and host checks
// ---------------------------------------------------------------------------------------------

function readConfig(config: Record<string, unknown>): PostgresConfig {
  const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
  const schema = str(config.schema).trim();
  const tunnel = config.ssh_tunnel;
  return {
    host: str(config.host),
    port: Number(config.port),
    database: str(config.database),
    user: str(config.user),
    password: str(config.password),
    schema: schema === '' ? null : schema,
    sshTunnel: tunnel !== null && typeof tunnel === 'object' ? (tunnel as Record<string, unknown>) : null,
  };
}

function tunnelEnabled(tunnel: Record<string, unknown> | null): boolean {
  if (!tunnel) return false;
  const enabled = tunnel.enabled;
  return enabled === true || enabled === 'true';
}

/**
 * `SSHTunnelMixin.ssh_tunnel_is_valid` + `SSHTunnel.is_auth_valid` / `has_valid_port`: auth first,
 * then the port. Returns PostHog's text, or null when the tunnel config is acceptable.
 */
function sshTunnelConfigError(tunnel: Record<string, unknown>): string | null {
  // Newest payload nests auth under `auth` ({selection, username, password, private_key, passphrase});
  // the legacy alias is `auth_type` with `type` instead of `selection` (API.md §3).
  const auth = (tunnel.auth ?? tunnel.auth_type ?? {}) as Record<string, unknown>;
  const selection = auth.selection ?? auth.type;
  const filled = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
  if (selection !== 'password' && selection !== 'keypair') return 'Authentication type not recognised';
  if (selection === 'password' && !(filled(auth.username) && filled(auth.password))) return 'Username and password required';
  if (selection === 'keypair') {
    if (!filled(auth.private_key)) return 'Private key is required';
    // PostHog parses the key with paramiko; without that we only check it looks like a PEM/OpenSSH key.
    if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(String(auth.private_key))) {
      return 'Private key could not be parsed. Paste the full key in OpenSSH or PEM format (RSA, Ed25519, ECDSA, or DSA), including the BEGIN and END lines.';
    }
  }
  const port = typeof tunnel.port === 'number' ? tunnel.port : typeof tunnel.port === 'string' && /^\s*-?\d+\s*$/.test(tunnel.port) ? Number(tunnel.port) : NaN;
  if (!Number.isInteger(port)) return 'Port must be a number between 1 and 65535';
  if (port < 1 || port > 65535) return 'Port must be between 1 and 65535';
  if (port === 80 || port === 443) return `Port ${port} is not allowed`;
  return null;
}

const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || (host.includes(':') && /^\[?[0-9a-f:.]+\]?$/i.test(host));
}

/** `_single_host_error` (common/mixins.py): one endpoint the driver can dial as written. */
function malformedHostError(host: string): string | null {
  if (!/^[\x00-\x7f]*$/.test(host)) return NON_ASCII_HOST_ERROR;
  if (host !== host.trim() || host.endsWith('.')) return MALFORMED_HOST_ERROR;
  const normalized = host.toLowerCase();
  if (isIpLiteral(normalized)) return null;
  const ok = normalized.length > 0 && normalized.length <= 253 && normalized.split('.').every((label) => HOST_LABEL.test(label));
  return ok ? null : MALFORMED_HOST_ERROR;
}

/**
 * Host checks in PostHog's order (source.py validate_credentials, API.md §2.2): URL, host:port,
 * Railway's private host without a tunnel, then the single-host guard. The private/loopback IP
 * policy (`resolve_safe_host`) only runs on PostHog Cloud; the emulator behaves like a self-hosted
 * instance, so 127.0.0.1 / localhost are allowed — that is what lets tests reach local servers.
 */
function hostError(cfg: PostgresConfig): string | null {
  const host = cfg.host;
  if (host.includes('://')) return HOST_IS_URL_ERROR;
  // `db.example.com:5432` — exactly one colon followed by digits (IPv6 literals have several colons).
  if (/^[^:]+:\d*$/.test(host.trim())) return HOST_HAS_PORT_ERROR;
  if (!tunnelEnabled(cfg.sshTunnel) && host.trim().toLowerCase().replace(/\.$/, '').endsWith('.railway.internal')) {
    return RAILWAY_INTERNAL_HOST_ERROR;
  }
  return malformedHostError(host);
}

/**
 * Tunnel handling shared by every entry point. A valid tunnel config is still refused: the emulator
 * cannot open SSH tunnels, and `SSH tunnel host not allowed: <reason>` is the text PostHog itself
 * returns when it won't dial a tunnel host (mixins.py `_pinned_ssh_host`), so clients already handle it.
 */
function tunnelError(cfg: PostgresConfig): string | null {
  if (!tunnelEnabled(cfg.sshTunnel) || !cfg.sshTunnel) return null;
  const configError = sshTunnelConfigError(cfg.sshTunnel);
  if (configError) return configError;
  return 'SSH tunnel host not allowed: the PostHog emulator cannot open SSH tunnels. Connect to the database directly.';
}

// ---------------------------------------------------------------------------------------------
// Connections and error translation
// ---------------------------------------------------------------------------------------------

interface PgErrorLike {
  code?: string;
  errno?: number | string;
  message?: string;
  syscall?: string;
}

/**
 * Render a node-postgres failure as the libpq text psycopg would have raised. PostHog maps errors by
 * substring of that text (PostgresErrors), and `<e>` in "Could not connect to Postgres to check
 * prerequisites: <e>" is that text, so translating once keeps every mapping faithful. node-postgres
 * reports socket failures as Node errno codes (ECONNREFUSED, ENOTFOUND, …) and server failures with
 * the SQLSTATE (28P01, 3D000, …), so both are inspected along with the message.
 */
export function libpqStyleError(error: unknown, cfg: { host: string; port: number }): string {
  const e = (error ?? {}) as PgErrorLike;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const at = `connection to server at "${cfg.host}", port ${cfg.port} failed`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `${at}: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?`;
    case 'ENOTFOUND':
      return `could not translate host name "${cfg.host}" to address: Name or service not known`;
    case 'EAI_AGAIN':
      return `could not translate host name "${cfg.host}" to address: Temporary failure in name resolution`;
    case 'ENETUNREACH':
      return `${at}: Network is unreachable`;
    case 'EHOSTUNREACH':
      return `${at}: No route to host`;
    case 'ETIMEDOUT':
      return `${at}: timeout expired`;
    case 'ECONNRESET':
      return `${at}: server closed the connection unexpectedly`;
    default:
      break;
  }
  // node-postgres' own connect timeout ("Connection terminated due to connection timeout").
  if (/connection timeout/i.test(message)) return `${at}: timeout expired`;
  // Server-side FATALs carry a SQLSTATE; libpq prints them as "FATAL:  <message>".
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return `${at}: FATAL:  ${message}`;
  return `${at}: ${message}`;
}

/** PostHog's substring mapping (source.py validate_credentials) over the libpq-style text. */
function mapConnectError(libpqText: string): string {
  for (const [key, text] of POSTGRES_ERRORS) if (libpqText.includes(key)) return text;
  return GENERIC_CONNECT_ERROR;
}

type Client = pg.Client;

export function createPostgresDriver(options: PostgresDriverOptions = {}): SourceDriver {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;

  /** Run `fn` on a fresh client; the client is always closed. Connection errors propagate raw. */
  async function withClient<T>(cfg: PostgresConfig, fn: (client: Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({
      host: cfg.host,
      port: cfg.port,
      database: cfg.database,
      user: cfg.user,
      password: cfg.password,
      connectionTimeoutMillis: connectTimeoutMs,
      // Local test servers don't speak TLS; PostHog's sslmode=prefer would fall back the same way.
      ssl: false,
      application_name: 'posthog-emulator',
    });
    // An idle client that loses its socket emits 'error'; without a listener that crashes the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Shared pre-connection checks; throws DriverError with PostHog's text. */
  function precheck(cfg: PostgresConfig): void {
    const problem = tunnelError(cfg) ?? hostError(cfg);
    if (problem) throw new DriverError(problem);
  }

  return {
    async validateCredentials(config) {
      const cfg = readConfig(config);
      // PostHog validates the SSH tunnel before the host (source.py validate_credentials).
      const sshProblem = tunnelEnabled(cfg.sshTunnel) ? tunnelError(cfg) : null;
      if (sshProblem) throw new DriverError(sshProblem);
      const hostProblem = hostError(cfg);
      if (hostProblem) throw new DriverError(hostProblem);
      try {
        // PostHog validates by running discovery; a trivial query exercises the same auth + database checks.
        await withClient(cfg, (client) => client.query('SELECT 1'));
      } catch (error) {
        throw new DriverError(mapConnectError(libpqStyleError(error, cfg)));
      }
    },

    async discover(config, { cdcEnabledForTeam }) {
      const cfg = readConfig(config);
      precheck(cfg);
      try {
        return await withClient(cfg, (client) => discoverTables(client, cfg, cdcEnabledForTeam));
      } catch (error) {
        if (error instanceof DriverError) throw error;
        throw new DriverError(classifyDiscoveryError(libpqStyleError(error, cfg)));
      }
    },

    async checkCdcPrerequisites(config, request) {
      const cfg = readConfig(config);
      precheck(cfg);
      try {
        return await withClient(cfg, (client) => checkCdc(client, cfg, request));
      } catch (error) {
        if (error instanceof DriverError) throw error;
        throw new DriverError(`Could not connect to Postgres to check prerequisites: ${libpqStyleError(error, cfg)}`);
      }
    },

    async syncTable(config, table) {
      const cfg = readConfig(config);
      const problem = tunnelError(cfg) ?? hostError(cfg);
      if (problem) throw new SyncFailure(problem, true);
      const location = splitTableName(table, cfg.schema);
      try {
        return await withClient(cfg, async (client) => {
          const rows = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(location.schema)}.${quoteIdent(location.table)}`);
          return Number(rows.rows[0]?.n ?? 0);
        });
      } catch (error) {
        const code = (error as PgErrorLike).code;
        // A query error (no connection problem) is the server's own message, as psycopg raises it.
        const text = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && code !== '28P01' && code !== '28000' && code !== '3D000'
          ? String((error as Error).message)
          : libpqStyleError(error, cfg);
        throw syncFailure(text);
      }
    },

    async setupCdcResources(config, request) {
      const cfg = readConfig(config);
      precheck(cfg);
      const hex = request.sourceId.replace(/-/g, '').slice(0, 12);
      const defaultSlot = `posthog_${hex}`;
      const slot = request.slotName || defaultSlot;
      const defaultPublication = request.managementMode === 'self_managed' ? 'posthog_pub' : `posthog_pub_${hex}`;
      const publication = request.publicationName || defaultPublication;
      const fields: Record<string, unknown> = {
        cdc_management_mode: request.managementMode,
        cdc_slot_name: slot,
        cdc_publication_name: publication,
        cdc_ingest_mode: 'buffered',
      };
      const usesDefaults = request.managementMode === 'posthog' && slot === defaultSlot && publication === defaultPublication;
      try {
        return await withClient(cfg, async (client) => {
          const slotPresent = await slotExists(client, slot);
          const publicationPresent = await publicationExists(client, publication);
          if (request.managementMode === 'self_managed') {
            if (slotPresent) return { error: `A replication slot named '${slot}' already exists on your database.` };
            if (!publicationPresent) return { error: `Publication '${publication}' does not exist. Run the CREATE PUBLICATION statement we showed you, then retry.` };
            fields.cdc_consistent_point = await createSlot(client, slot);
            return { fields };
          }
          // Default names derive from the source id, so leftovers are this source's own state (adopted).
          if (usesDefaults && slotPresent) {
            if (!publicationPresent) await client.query(`CREATE PUBLICATION ${quoteIdent(publication)}`);
            return { fields };
          }
          if (slotPresent) return { error: `A replication slot named '${slot}' already exists on your database.` };
          if (usesDefaults && publicationPresent) {
            fields.cdc_consistent_point = await createSlot(client, slot);
            return { fields };
          }
          if (publicationPresent) return { error: `A publication named '${publication}' already exists on your database.` };
          await client.query(`CREATE PUBLICATION ${quoteIdent(publication)}`);
          try {
            fields.cdc_consistent_point = await createSlot(client, slot);
          } catch (error) {
            await client.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(publication)}`).catch(() => undefined);
            throw error;
          }
          return { fields };
        });
      } catch (error) {
        return { error: slotSetupError(error) };
      }
    },

    async dropCdcResources(config, managementMode, slotName, publicationName) {
      const cfg = readConfig(config);
      try {
        await withClient(cfg, async (client) => {
          await client.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slotName]);
          if (managementMode !== 'self_managed' && publicationName) await client.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(publicationName)}`);
        });
      } catch {
        // Best-effort, like PostHog's cleanup_resources: logged there, never blocks the disable.
      }
    },

    async cdcStatus(config, slotName, publicationName) {
      const cfg = readConfig(config);
      precheck(cfg);
      try {
        return await withClient(cfg, async (client) => {
          const slotPresent = slotName ? await slotExists(client, slotName) : false;
          const publicationPresent = publicationName ? await publicationExists(client, publicationName) : false;
          const lag = slotName
            ? (await client.query<{ lag: string | null }>(
                'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag FROM pg_replication_slots WHERE slot_name = $1',
                [slotName],
              )).rows[0]?.lag ?? null
            : null;
          const tables = publicationName && publicationPresent
            ? (await client.query<{ t: string }>('SELECT schemaname || \'.\' || tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1', [publicationName])).rows.map((r) => r.t)
            : [];
          return { slot_exists: slotPresent, publication_exists: publicationPresent, lag_bytes: lag === null ? null : Number(lag), published_tables: tables };
        });
      } catch (error) {
        throw new DriverError(libpqStyleError(error, cfg));
      }
    },

    async alterPublication(config, publicationName, table, add) {
      const cfg = readConfig(config);
      const location = splitTableName(table, cfg.schema);
      const target = `${quoteIdent(location.schema)}.${quoteIdent(location.table)}`;
      try {
        await withClient(cfg, (client) =>
          client.query(`ALTER PUBLICATION ${quoteIdent(publicationName)} ${add ? 'ADD' : 'DROP'} TABLE ${target}`),
        );
      } catch {
        // Best-effort (adapter._alter_publication_membership logs and goes on).
      }
    },

    async primaryKeys(config, tables) {
      const cfg = readConfig(config);
      precheck(cfg);
      try {
        return await withClient(cfg, async (client) => {
          const result: Record<string, string[]> = {};
          const locations = tables.map((name) => ({ name, ...splitTableName(name, cfg.schema) }));
          const pks = await primaryKeyColumns(client, locations);
          for (const loc of locations) {
            const cols = pks.get(key(loc.schema, loc.table));
            if (cols) result[loc.name] = cols;
          }
          return result;
        });
      } catch (error) {
        // API.md §2.3 step 15: the create flow reports a failed PK lookup with this text.
        throw new DriverError(`Could not connect to your database to set up change data capture: ${libpqStyleError(error, cfg)}`);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Discovery (API.md §5)
// ---------------------------------------------------------------------------------------------

/** Schemas PostHog never lists when the schema field is blank. */
const SYSTEM_SCHEMAS = ['information_schema', 'pg_catalog', 'pg_toast'];

interface Relation {
  oid: number;
  schema: string;
  table: string;
  relkind: string;
  canSelect: boolean;
  rlsActive: boolean;
}

const key = (schema: string, table: string): string => `${schema}\u0000${table}`;

/** `table` or `schema.table` → its location; a bare name lives in the configured schema (`public` when blank, like PostHog's CDC path). */
function splitTableName(name: string, schema: string | null): { schema: string; table: string } {
  if (schema === null && name.includes('.')) {
    const dot = name.indexOf('.');
    return { schema: name.slice(0, dot), table: name.slice(dot + 1) };
  }
  return { schema: schema ?? 'public', table: name };
}

async function discoverTables(client: Client, cfg: PostgresConfig, cdcEnabledForTeam: boolean): Promise<DiscoveredTable[]> {
  const versionNum = Number((await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]?.v ?? 0);

  // Relations PostHog lists: tables, partitioned tables, views, matviews, foreign tables (pg_class
  // relkind r/p/v/m/f), either in the configured schema or in every non-system schema.
  // row_security_active only makes sense for tables (PostHog asks only for relkind r/p).
  const relations = (
    await client.query<{ oid: number; schema: string; table: string; relkind: string; can_select: boolean; rls_active: boolean }>(
      `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS table, c.relkind::text AS relkind,
              has_table_privilege(c.oid, 'SELECT') AS can_select,
              CASE WHEN c.relkind IN ('r', 'p') THEN row_security_active(c.oid) ELSE false END AS rls_active
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND ${cfg.schema !== null ? 'n.nspname = $1' : `n.nspname <> ALL($1::text[]) AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'`}
        ORDER BY n.nspname, c.relname`,
      [cfg.schema ?? SYSTEM_SCHEMAS],
    )
  ).rows.map<Relation>((r) => ({ oid: r.oid, schema: r.schema, table: r.table, relkind: r.relkind, canSelect: r.can_select, rlsActive: r.rls_active }));
  if (relations.length === 0) return [];

  const schemas = [...new Set(relations.map((r) => r.schema))];

  // Columns: information_schema for tables/views (its `data_type` is what PostHog's type rules read),
  // plus pg_attribute + format_type for matviews, which information_schema omits — PostHog's query
  // does the same UNION. information_schema only shows columns the user has some privilege on.
  const columnRows = (
    await client.query<{ schema: string; table: string; column: string; data_type: string; nullable: boolean }>(
      `SELECT schema, "table", "column", data_type, nullable FROM (
         SELECT table_schema::text AS schema, table_name::text AS "table", column_name::text AS "column",
                data_type::text AS data_type, is_nullable = 'YES' AS nullable, ordinal_position::int AS pos
           FROM information_schema.columns
          WHERE table_schema = ANY($1::text[])
         UNION ALL
         SELECT n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
                NOT a.attnotnull, a.attnum::int
           FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid
          WHERE c.relkind = 'm' AND n.nspname = ANY($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped
       ) t ORDER BY schema, "table", pos`,
      [schemas],
    )
  ).rows;
  const columnsByTable = new Map<string, { field: string; label: string; type: string; nullable: boolean }[]>();
  for (const row of columnRows) {
    const list = columnsByTable.get(key(row.schema, row.table)) ?? [];
    list.push({ field: row.column, label: row.column, type: row.data_type, nullable: row.nullable });
    columnsByTable.set(key(row.schema, row.table), list);
  }

  const pks = await primaryKeyColumns(client, relations);

  // Leading column of every index (pg_index.indkey[0]); powers `is_indexed` on candidates.
  const indexedRows = (
    await client.query<{ oid: number; column: string }>(
      `SELECT DISTINCT i.indrelid::int AS oid, a.attname::text AS "column"
         FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = ANY($1::oid[])`,
      [relations.map((r) => r.oid)],
    )
  ).rows;
  const indexedByOid = new Map<number, Set<string>>();
  for (const row of indexedRows) {
    const set = indexedByOid.get(row.oid) ?? new Set<string>();
    set.add(row.column);
    indexedByOid.set(row.oid, set);
  }

  const entries = relations.map((rel): DiscoveredTable => {
    const columns = columnsByTable.get(key(rel.schema, rel.table)) ?? [];
    const indexed = indexedByOid.get(rel.oid) ?? new Set<string>();
    const incrementalFields: IncrementalField[] = [];
    for (const col of columns) {
      const fieldType = incrementalFieldType(col.type);
      if (fieldType === null) continue;
      incrementalFields.push({ label: col.field, type: fieldType, field: col.field, field_type: fieldType, nullable: col.nullable, is_indexed: indexed.has(col.field) });
    }
    // incremental/append availability reflects real cursor columns only (computed before xmin is added).
    const hasRealCursor = incrementalFields.length > 0;
    // xmin needs a physical heap tuple (ordinary tables, matviews) and PG13+ (pg_snapshot_xmin / xid8).
    const xminAvailable = versionNum >= 130000 && (rel.relkind === 'r' || rel.relkind === 'm');
    if (xminAvailable) incrementalFields.push({ label: 'xmin', type: 'xid', field: 'xmin', field_type: 'xid', is_indexed: false });
    const pk = pks.get(key(rel.schema, rel.table)) ?? null;
    return {
      table: cfg.schema !== null ? rel.table : `${rel.schema}.${rel.table}`,
      label: null,
      should_sync: false,
      incremental_fields: incrementalFields,
      incremental_available: hasRealCursor,
      append_available: hasRealCursor,
      cdc_available: cdcEnabledForTeam ? pk !== null : null,
      xmin_available: xminAvailable,
      incremental_field: incrementalFields[0]?.field ?? null,
      sync_type: null,
      // database_schema calls get_schemas without counts, so Postgres rows are always null (API.md §5).
      rows: null,
      supports_webhooks: false,
      webhook_only: false,
      description: null,
      should_sync_default: true,
      available_columns: columns,
      detected_primary_keys: pk,
      primary_key_detection_supported: true,
      permission_error: rel.canSelect ? null : permissionErrorText(rel.schema, rel.table),
      rls_warning: rel.rlsActive ? RLS_WARNING_MESSAGE : null,
    };
  });
  return entries.sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
}

/** `filter_postgres_incremental_fields`: information_schema data_type → candidate type, or null. */
function incrementalFieldType(dataType: string): 'timestamp' | 'date' | 'integer' | null {
  if (dataType.startsWith('timestamp')) return 'timestamp';
  if (dataType === 'date') return 'date';
  if (dataType === 'integer' || dataType === 'smallint' || dataType === 'bigint') return 'integer';
  return null;
}

/** Primary-key columns in key order, via pg_index (pg_catalog is readable by everyone, unlike information_schema). */
async function primaryKeyColumns(client: Client, tables: { schema: string; table: string }[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  if (tables.length === 0) return result;
  const rows = (
    await client.query<{ schema: string; table: string; column: string }>(
      `SELECT n.nspname::text AS schema, c.relname::text AS "table", a.attname::text AS "column"
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
         JOIN unnest($1::text[], $2::text[]) AS want(schema, tbl) ON want.schema = n.nspname AND want.tbl = c.relname
        WHERE i.indisprimary
        ORDER BY n.nspname, c.relname, k.ord`,
      [tables.map((t) => t.schema), tables.map((t) => t.table)],
    )
  ).rows;
  for (const row of rows) {
    const list = result.get(key(row.schema, row.table)) ?? [];
    list.push(row.column);
    result.set(key(row.schema, row.table), list);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// CDC prerequisites (API.md §8, newest prerequisite_validator.py)
// ---------------------------------------------------------------------------------------------

const REPLICATION_ROLE_ERROR =
  'The database user cannot create logical replication slots. Grant one of: REPLICATION attribute (ALTER USER <username> WITH REPLICATION), ' +
  "superuser, or membership in rds_replication / rds_superuser on RDS. If you can't grant replication access, switch these tables to " +
  'Incremental sync instead of CDC. Incremental needs only SELECT permission.';

/**
 * Ownership text. API.md §8 elides the middle of this message ("publish it, … Grant"); the clause
 * in between is reconstructed from its intent, the rest is verbatim.
 */
function ownershipError(schema: string, table: string, user: string): string {
  return (
    `The database user does not own table '${schema}.${table}'. PostgreSQL only lets a table's owner publish it, ` +
    `so PostHog can't add it to the CDC publication. Grant ownership with ALTER TABLE "${schema}"."${table}" OWNER TO ${user}, ` +
    `or add the user to the role that owns the table with GRANT <owner_role> TO ${user}. If you can't change ownership, ` +
    'switch this table to Incremental sync instead of CDC. Incremental needs only SELECT permission.'
  );
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

async function slotExists(client: Client, slot: string): Promise<boolean> {
  return (await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot])).rowCount! > 0;
}

async function publicationExists(client: Client, publication: string): Promise<boolean> {
  return (await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication])).rowCount! > 0;
}

/** pg_create_logical_replication_slot with pgoutput; returns the consistent point (LSN). */
async function createSlot(client: Client, slot: string): Promise<string> {
  const row = (await client.query<{ lsn: string }>(`SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')`, [slot])).rows[0];
  return row?.lsn ?? '';
}

/** adapter._slot_setup_error_message: the privilege and read-only cases get their advice appended. */
function slotSetupError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lower = text.toLowerCase();
  if ((error as PgErrorLike).code === '42501' || lower.includes('permission denied') || lower.includes('must be superuser')) {
    return (
      `Failed to create replication slot: ${text} The database user lacks permission to create logical replication slots. ` +
      'Either grant it replication access, or switch these tables to Incremental sync instead of CDC. Incremental needs only SELECT permission.'
    );
  }
  if (lower.includes('in a read-only transaction')) {
    return (
      `Failed to create replication slot: ${text} CDC has to create a replication slot and publication, which only a writable primary ` +
      'database allows. This connection points at a read replica or read-only standby. Connect to the primary database, or switch ' +
      'these tables to Incremental sync, which needs only SELECT.'
    );
  }
  return `Failed to create replication slot: ${text}`;
}

/**
 * PostgresSource.get_non_retryable_errors (source.py): the first key found in the error wins. `null`
 * keeps the raw driver text as latest_error; a text replaces it. A non-retryable failure also turns
 * the table's syncing off (external_data_job: update_should_sync(False)).
 */
const NON_RETRYABLE_SYNC_ERRORS: ReadonlyArray<readonly [string, string | null]> = [
  ['is not permitted to log in', null],
  ['error received from server in SCRAM exchange: Wrong password', null],
  ['PAM authentication failed', null],
  ['could not translate host name', null],
  ['timeout expired connection to server at', null],
  ['password authentication failed for user', null],
  ['does not exist', null],
  ['Network is unreachable', null],
  [
    'permission denied for schema',
    "PostHog's database role isn't allowed to access a schema that contains one or more of the tables you selected to sync " +
      '(PostgreSQL reported "permission denied for schema"). Grant the connecting role USAGE on that schema and SELECT on the tables ' +
      'in it (for example: GRANT USAGE ON SCHEMA <schema> TO <role>), or remove those tables from the sync, then re-enable the sync.',
  ],
  [
    'permission denied for',
    "PostHog's database role isn't allowed to read one or more of the tables you selected to sync (PostgreSQL reported " +
      '"permission denied"). Grant the connecting role SELECT on those tables (for example: GRANT SELECT ON <table> TO <role>), then re-enable the sync.',
  ],
  ['Connection refused', null],
  ['No route to host', null],
  ['connection timeout expired', null],
];

function syncFailure(raw: string): SyncFailure {
  for (const [key, friendly] of NON_RETRYABLE_SYNC_ERRORS) if (raw.includes(key)) return new SyncFailure(friendly ?? raw, true);
  return new SyncFailure(raw, false);
}

async function checkCdc(client: Client, cfg: PostgresConfig, request: CdcCheckRequest): Promise<CdcCheckResult> {
  const errors: string[] = [];
  const tables = request.tables.map((name) => splitTableName(name, cfg.schema));
  const one = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T | undefined> =>
    (await client.query<T>(sql, params)).rows[0];

  const version = await one<{ server_version_num: string }>('SHOW server_version_num');
  if (!version) errors.push('Could not determine PostgreSQL version.');
  else if (Number(version.server_version_num) < 130000) {
    errors.push(`PostgreSQL 13 or later is required for CDC. Your server is running version ${Math.floor(Number(version.server_version_num) / 10000)}.`);
  }

  const wal = await one<{ wal_level: string }>('SHOW wal_level');
  if (!wal) errors.push('Could not determine wal_level.');
  else if (wal.wal_level !== 'logical') {
    errors.push(`wal_level must be set to 'logical' (currently '${wal.wal_level}'). This requires a PostgreSQL server restart after changing the configuration.`);
  }

  const pks = await primaryKeyColumns(client, tables);
  for (const t of tables) {
    if (!pks.has(key(t.schema, t.table))) errors.push(`Table '${t.schema}.${t.table}' has no primary key. CDC requires a primary key on each table.`);
  }

  // PostHog probes with a zero-row SELECT and classifies the SQLSTATE, rather than trusting catalogs.
  const missing = new Set<string>();
  for (const t of tables) {
    try {
      await client.query(`SELECT 1 FROM ${quoteIdent(t.schema)}.${quoteIdent(t.table)} LIMIT 0`);
    } catch (error) {
      const code = (error as PgErrorLike).code;
      if (code === '42501') errors.push(`No SELECT permission on table '${t.schema}.${t.table}'.`);
      else if (code === '42P01' || code === '3F000') {
        errors.push(`Table '${t.schema}.${t.table}' does not exist.`);
        missing.add(key(t.schema, t.table));
      } else throw error;
    }
  }

  // Newest code runs the replication-role and slot-capacity checks in both management modes.
  const role = await one<{ can_replicate: boolean }>(
    `SELECT r.rolsuper OR r.rolreplication OR EXISTS (
              SELECT 1 FROM pg_auth_members m JOIN pg_roles p ON p.oid = m.roleid
               WHERE m.member = r.oid AND p.rolname IN ('rds_replication', 'rds_superuser')) AS can_replicate
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  if (!role) errors.push('Could not determine user roles.');
  else if (!role.can_replicate) errors.push(REPLICATION_ROLE_ERROR);

  const maxSlots = await one<{ max_replication_slots: string }>('SHOW max_replication_slots');
  if (!maxSlots) errors.push('Could not determine max_replication_slots.');
  else {
    const used = await one<{ n: string }>('SELECT count(*) AS n FROM pg_replication_slots');
    if (!used) errors.push('Could not count existing replication slots.');
    else if (Number(used.n) >= Number(maxSlots.max_replication_slots)) {
      errors.push(
        `No replication slot capacity available (${Number(used.n)}/${Number(maxSlots.max_replication_slots)} slots in use). Increase max_replication_slots in your PostgreSQL configuration.`,
      );
    }
  }

  if (request.managementMode === 'posthog') {
    // PostHog creates the publication itself, and only a table's owner (or a member of the owning
    // role; superusers pass pg_has_role) may add it to one. Missing tables were already reported.
    for (const t of tables) {
      if (missing.has(key(t.schema, t.table))) continue;
      const owns = await one<{ owns: boolean }>(
        `SELECT pg_has_role(current_user, c.relowner, 'MEMBER') AS owns
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2`,
        [t.schema, t.table],
      );
      if (owns && !owns.owns) errors.push(ownershipError(t.schema, t.table, cfg.user));
    }
  } else if (request.publicationName) {
    const pub = await one<{ exists: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1) AS exists', [request.publicationName]);
    if (!pub?.exists) {
      errors.push(`Publication '${request.publicationName}' does not exist. Create it with: CREATE PUBLICATION ${request.publicationName} FOR TABLE ...;`);
    }
  }

  return { valid: errors.length === 0, errors };
}
