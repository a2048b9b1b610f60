import type { Dispatcher } from 'undici';
import { ConnectionSettingsError } from '../errors.js';
import type { SecretMasker } from '../secrets.js';
import { PostHogApiError, unexpectedResponse, type RequestContext } from './errors.js';
import { normaliseHost } from './settings.js';
import { DEFAULT_RETRY_BUDGET_MS } from './retry.js';
import { Transport, type ClientStats, type RequestSpec } from './transport.js';
import type {
  BulkSchemaUpdate,
  CdcEnableRequest,
  CdcEnableResult,
  CdcPrerequisiteRequest,
  CdcPrerequisiteResult,
  CreateSourceRequest,
  CreateSourceResult,
  CreateWebhookResult,
  DeleteWebhookResult,
  DiscoveredTable,
  RefreshSchemasResult,
  RemoteSchema,
  RemoteSchemaSummary,
  RemoteSource,
  RemoteSourceListItem,
  SchemaUpdate,
  SourceUpdate,
  SyncJob,
  UpdateWebhookInputsResult,
  WebhookInfo,
  WizardResponse,
} from './types.js';

export type { ClientStats } from './transport.js';

/** How to reach PostHog, and how hard to try. */
export interface ClientOptions {
  /** Origin of the PostHog instance; validated again here (https, or http to loopback only). */
  host: string;
  projectId: string;
  /** Personal API key; registered with `masker` on creation. */
  apiKey: string;
  /** Every error message and log line of the client goes through it. */
  masker: SecretMasker;
  /** undici dispatcher (a MockAgent in tests); undici's global one otherwise. */
  dispatcher?: Dispatcher;
  /**
   * Deadline per attempt, headers and body together (`--request-timeout`, `DWCTL_REQUEST_TIMEOUT`). Default
   * 30 s. A timed-out attempt is not repeated: a hung PostHog fails after one deadline.
   */
  timeoutMs?: number;
  /** Total time one call may spend on retry waits, Retry-After included. Default 120 s. */
  retryBudgetMs?: number;
  /** Largest response body read. Default 64 MiB (a full page of sources with their schemas is far less). */
  maxResponseBytes?: number;
  /** Retries after the first attempt, for requests where a retry is safe. Default 4. */
  maxRetries?: number;
  /** Requests in flight at once, across all calls of this client. Default 4. */
  concurrency?: number;
  /** Requests started per sliding minute. Default 400, below PostHog's 480/minute burst limit (API.md §1). */
  requestsPerMinute?: number;
  /** Requests started per sliding hour. Default 4000, below PostHog's 4800/hour sustained limit (API.md §1, §12). */
  requestsPerHour?: number;
  /** Always-on notices (stderr in the CLI): long waits, with what and why. */
  notice?: (line: string) => void;
  /** Verbose log: one line per attempt, `METHOD path status 12ms [retry N] [error CODE]`, masked. */
  log?: (line: string) => void;
  /** Injectable for tests (backoff, Retry-After, rate budget). */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests (jitter). */
  random?: () => number;
  /** Injectable for tests (Retry-After dates, rate budget). */
  now?: () => number;
}

/**
 * PostHog's data-warehouse API for one project (API.md §2). Methods return PostHog's shapes (types.ts);
 * failures throw PostHogApiError, PostHogUnreachableError or AmbiguousRequestError.
 */
export interface PostHogClient {
  readonly host: string;
  readonly projectId: string;
  /** A snapshot of the request counts so far. */
  readonly stats: ClientStats;

  /** `GET external_data_sources/wizard/`: source types and their fields; only `sourceTypes` when given (API.md §2.1, §3). */
  wizard(sourceTypes?: readonly string[]): Promise<WizardResponse>;
  /** `POST external_data_sources/database_schema/`: validate credentials and discover tables (API.md §2.2, §5). */
  databaseSchema(sourceType: string, config: Record<string, unknown>): Promise<DiscoveredTable[]>;
  /**
   * `POST external_data_sources/`: create a source (API.md §2.3). Never repeated once sent: on an
   * AmbiguousRequestError look it up with `findSource` before creating again.
   */
  createSource(request: CreateSourceRequest): Promise<CreateSourceResult>;
  /** Every source of the project (all pages), with trimmed schemas (API.md §2.4). */
  listSources(): Promise<RemoteSourceListItem[]>;
  /** The source with this type and prefix (null and "" are the same prefix, as PostHog treats them), or null. */
  findSource(sourceType: string, prefix: string | null): Promise<RemoteSourceListItem | null>;
  /** `GET external_data_sources/{id}/`, with full schemas. */
  getSource(id: string): Promise<RemoteSource>;
  /** `PATCH external_data_sources/{id}/` (API.md §2.5). */
  updateSource(id: string, patch: SourceUpdate): Promise<RemoteSource>;
  /** `DELETE external_data_sources/{id}/` (soft delete, API.md §2.6). */
  deleteSource(id: string): Promise<void>;
  /** `POST external_data_sources/{id}/reload/`: sync all enabled tables now. Not repeated once sent. */
  reloadSource(id: string): Promise<void>;
  /** `POST external_data_sources/{id}/refresh_schemas/`: rediscover tables, no data sync (API.md §2.8). */
  refreshSchemas(id: string): Promise<RefreshSchemasResult>;
  /**
   * `PATCH external_data_sources/{id}/bulk_update_schemas/` (API.md §2.9); on a PostHog without that
   * route (404/405) one `PATCH external_data_schemas/{id}/` per entry instead.
   */
  bulkUpdateSchemas(sourceId: string, updates: BulkSchemaUpdate[]): Promise<RemoteSchema[]>;
  /** `POST external_data_sources/check_cdc_prerequisites/` (API.md §8). */
  checkCdcPrerequisites(body: CdcPrerequisiteRequest): Promise<CdcPrerequisiteResult>;
  /**
   * `POST external_data_sources/{id}/check_cdc_prerequisites_for_source/` (API.md §2.12): PostHog checks the
   * source-level prerequisites with the credentials it stores (it passes no tables to its validator).
   */
  checkCdcPrerequisitesForSource(id: string, body: CdcEnableRequest): Promise<CdcPrerequisiteResult>;
  /**
   * `POST external_data_sources/{id}/enable_cdc/` (API.md §2.12): 200 `{success, schedules_ready}`; refusals
   * (403 team without CDC, 409 already enabled, 400 prerequisites with `errors`) throw PostHogApiError.
   */
  enableCdc(id: string, body: CdcEnableRequest): Promise<CdcEnableResult>;
  /** `GET external_data_sources/{id}/webhook_info/` (API.md §7). */
  webhookInfo(id: string): Promise<WebhookInfo>;
  /**
   * `GET external_data_sources/{id}/jobs/?after=`: the source's sync runs created after `after` (ISO time),
   * newest first, at most 50 (API.md §2.12). Entries without a table or a row count are dropped.
   */
  jobs(id: string, options?: { after?: string }): Promise<SyncJob[]>;
  /**
   * `POST external_data_sources/{id}/create_webhook/`. Each success registers another endpoint with the
   * provider, so it is never repeated once sent: on AmbiguousRequestError read `webhookInfo` first.
   */
  createWebhook(id: string, inputs?: Record<string, unknown>): Promise<CreateWebhookResult>;
  /** `POST external_data_sources/{id}/update_webhook_inputs/`; `{success: false, error}` (400) throws. */
  updateWebhookInputs(id: string, inputs: Record<string, unknown>): Promise<UpdateWebhookInputsResult>;
  /** `POST external_data_sources/{id}/delete_webhook/`. */
  deleteWebhook(id: string): Promise<DeleteWebhookResult>;
  /** Every schema of the project (all pages; there is no source filter, API.md §2.13). */
  listSchemas(): Promise<RemoteSchema[]>;
  /** `GET external_data_schemas/{id}/`. */
  getSchema(id: string): Promise<RemoteSchema>;
  /** `PATCH external_data_schemas/{id}/`. */
  updateSchema(id: string, patch: SchemaUpdate): Promise<RemoteSchema>;
  /** `POST external_data_schemas/{id}/reload/`: sync this table now. Not repeated once sent. */
  reloadSchema(id: string): Promise<void>;
  /** `POST external_data_schemas/{id}/resync/`: full re-import. Not repeated once sent. */
  resyncSchema(id: string): Promise<void>;
}

const SOURCES = 'external_data_sources/';
const SCHEMAS = 'external_data_schemas/';
/** DRF's default page size (API.md §1 "Pagination"). */
const PAGE_SIZE = 100;
/** A guard against a server whose `next` never ends. */
const MAX_PAGES = 1000;
/** Per-attempt deadline unless `--request-timeout` / `DWCTL_REQUEST_TIMEOUT` says otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Cap on one response body. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Create a client for one project. Throws ConnectionSettingsError for a host or project id that could not be right. */
export function createClient(options: ClientOptions): PostHogClient {
  return new HttpPostHogClient(options);
}

class HttpPostHogClient implements PostHogClient {
  private readonly transport: Transport;
  private readonly masker: SecretMasker;
  /** Set once this PostHog is known to lack bulk_update_schemas, so later calls go straight to the fallback. */
  private bulkUnsupported = false;

  constructor(options: ClientOptions) {
    const host = normaliseHost(options.host);
    if (!/^[1-9][0-9]*$/.test(options.projectId) && options.projectId !== '@current') {
      throw new ConnectionSettingsError(`"${options.projectId}" is not a PostHog project id; use the number from your project's URL.`);
    }
    this.masker = options.masker;
    this.transport = new Transport({
      host,
      projectId: options.projectId,
      apiKey: options.apiKey,
      masker: options.masker,
      dispatcher: options.dispatcher,
      timeoutMs: options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      retryBudgetMs: options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      requestsPerHour: options.requestsPerHour ?? 4000,
      notice: options.notice,
      maxRetries: options.maxRetries ?? 4,
      concurrency: options.concurrency ?? 4,
      requestsPerMinute: options.requestsPerMinute ?? 400,
      log: options.log,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
    });
  }

  get host(): string {
    return this.transport.host;
  }

  get projectId(): string {
    return this.transport.projectId;
  }

  get stats(): ClientStats {
    return this.transport.stats;
  }

  async wizard(sourceTypes?: readonly string[]): Promise<WizardResponse> {
    const filter = sourceTypes && sourceTypes.length > 0 ? [...sourceTypes] : undefined;
    const body = await this.json<WizardResponse>(
      { operation: 'wizard', method: 'GET', path: `${SOURCES}wizard/`, query: { source_type: filter?.join(',') }, repeatable: true, scope: 'read' },
      'object',
    );
    if (!filter) return body;
    // Older generations ignore the filter and send every type (API.md §2.1): filter here, so both agree.
    return Object.fromEntries(Object.entries(body).filter(([type]) => filter.includes(type)));
  }

  async databaseSchema(sourceType: string, config: Record<string, unknown>): Promise<DiscoveredTable[]> {
    // Flat body, the type beside the credential keys (API.md §2.2; PostHog's MCP tool does the same).
    const tables = await this.json<unknown[]>(
      {
        operation: 'databaseSchema',
        method: 'POST',
        path: `${SOURCES}database_schema/`,
        body: { ...config, source_type: sourceType },
        repeatable: true,
        scope: 'write',
      },
      'array',
    );
    return tables.map((t) => normaliseTable(t as Partial<DiscoveredTable> & { table: string }));
  }

  async createSource(request: CreateSourceRequest): Promise<CreateSourceResult> {
    const spec: RequestSpec = {
      operation: 'createSource',
      method: 'POST',
      path: SOURCES,
      body: request,
      repeatable: false,
      scope: 'write',
      lookup: `look for a ${request.source_type} source with prefix ${request.prefix ? `"${request.prefix}"` : '(none)'}`,
    };
    const result = await this.json<CreateSourceResult>(spec, 'object');
    if (typeof result.id !== 'string') throw this.unexpected(201, spec, 'a body without the new source id');
    return result;
  }

  async listSources(): Promise<RemoteSourceListItem[]> {
    let sources: RemoteSourceListItem[];
    try {
      sources = await this.pages<RemoteSourceListItem>('listSources', SOURCES);
    } catch (error) {
      throw this.projectNotFound(error);
    }
    return sources.map((s) => normaliseSource(s));
  }

  /**
   * A 404 on the project's own collection means the project id is wrong (or the key cannot see it): that is
   * "could not run" (exit 3) with a hint, not a "no" about the user's sources.
   */
  private projectNotFound(error: unknown): unknown {
    if (!(error instanceof PostHogApiError) || error.status !== 404) return error;
    return new PostHogApiError(404, error.method, error.path, `Project ${this.projectId} was not found on ${this.host}, or the API key has no access to it.`, {
      code: 'posthog-project-not-found',
      outcome: 'could-not-run',
      hint: 'Check the project id (--project, POSTHOG_PROJECT_ID or posthog.project_id): it is the number in /project/<id> of your PostHog URL.',
    });
  }

  async findSource(sourceType: string, prefix: string | null): Promise<RemoteSourceListItem | null> {
    // No `search` parameter: older generations search other columns (API.md §1), and a missed match here
    // would make the caller create a duplicate. The list is ordered newest first.
    const wanted = prefix ?? '';
    const sources = await this.listSources();
    return sources.find((s) => s.source_type === sourceType && (s.prefix ?? '') === wanted) ?? null;
  }

  async getSource(id: string): Promise<RemoteSource> {
    const source = await this.json<RemoteSource>(
      { operation: 'getSource', method: 'GET', path: `${SOURCES}${enc(id)}/`, repeatable: true, scope: 'read' },
      'object',
    );
    return normaliseSource(source);
  }

  async updateSource(id: string, patch: SourceUpdate): Promise<RemoteSource> {
    const source = await this.json<RemoteSource>(
      { operation: 'updateSource', method: 'PATCH', path: `${SOURCES}${enc(id)}/`, body: patch, repeatable: true, scope: 'write' },
      'object',
    );
    return normaliseSource(source);
  }

  async deleteSource(id: string): Promise<void> {
    await this.transport.send({ operation: 'deleteSource', method: 'DELETE', path: `${SOURCES}${enc(id)}/`, repeatable: true, scope: 'write' });
  }

  async reloadSource(id: string): Promise<void> {
    await this.transport.send({
      operation: 'reloadSource',
      method: 'POST',
      path: `${SOURCES}${enc(id)}/reload/`,
      body: {},
      repeatable: false,
      scope: 'write',
      lookup: "read the source's schema statuses (Running means the sync started)",
    });
  }

  async refreshSchemas(id: string): Promise<RefreshSchemasResult> {
    return this.json<RefreshSchemasResult>(
      { operation: 'refreshSchemas', method: 'POST', path: `${SOURCES}${enc(id)}/refresh_schemas/`, body: {}, repeatable: true, scope: 'write' },
      'object',
    );
  }

  async bulkUpdateSchemas(sourceId: string, updates: BulkSchemaUpdate[]): Promise<RemoteSchema[]> {
    // PostHog rejects an empty batch; nothing to change is not an error.
    if (updates.length === 0) return [];
    if (!this.bulkUnsupported) {
      try {
        return await this.json<RemoteSchema[]>(
          {
            operation: 'bulkUpdateSchemas',
            method: 'PATCH',
            path: `${SOURCES}${enc(sourceId)}/bulk_update_schemas/`,
            body: { schemas: updates },
            repeatable: true,
            scope: 'write',
          },
          'array',
        );
      } catch (error) {
        // 404/405: a PostHog from before the bulk route. A 404 may also mean the source is gone; then the
        // per-schema PATCHes fail with their own 404, and the route is only taken as missing once they succeed.
        // 403: some PostHog versions declare the action in no scope list, and then refuse it to every personal
        // API key ("does not support Personal API Key access", API.md §12). The per-schema PATCH is a plain
        // write action: when the key really lacks a scope, that PATCH fails with PostHog's own scope message,
        // so no message text is matched here (API.md §0).
        if (!(error instanceof PostHogApiError) || (error.status !== 403 && error.status !== 404 && error.status !== 405)) throw error;
        if (error.status === 405 || error.status === 403) this.bulkUnsupported = true;
        const results = await this.patchEach(updates);
        this.bulkUnsupported = true;
        return results;
      }
    }
    return this.patchEach(updates);
  }

  /**
   * The fallback for bulk_update_schemas: one PATCH per schema, all attempted (bounded by the client's
   * concurrency). Like the bulk route, schemas that succeed stay saved when others fail; the first
   * failure is thrown once all have finished.
   */
  private async patchEach(updates: BulkSchemaUpdate[]): Promise<RemoteSchema[]> {
    const settled = await Promise.allSettled(
      updates.map(({ id, apply_sync_defaults: _defaults, full_refresh_interval_days: _days, ...patch }) => this.updateSchema(id, patch)),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<RemoteSchema>).value);
  }

  async checkCdcPrerequisites(body: CdcPrerequisiteRequest): Promise<CdcPrerequisiteResult> {
    const result = await this.json<CdcPrerequisiteResult>(
      { operation: 'checkCdcPrerequisites', method: 'POST', path: `${SOURCES}check_cdc_prerequisites/`, body, repeatable: true, scope: 'write' },
      'object',
    );
    return { ...result, valid: result.valid === true, errors: Array.isArray(result.errors) ? result.errors.map(String) : [] };
  }

  async checkCdcPrerequisitesForSource(id: string, body: CdcEnableRequest): Promise<CdcPrerequisiteResult> {
    const result = await this.json<CdcPrerequisiteResult>(
      { operation: 'checkCdcPrerequisitesForSource', method: 'POST', path: `${SOURCES}${enc(id)}/check_cdc_prerequisites_for_source/`, body, repeatable: true, scope: 'write' },
      'object',
    );
    return { ...result, valid: result.valid === true, errors: Array.isArray(result.errors) ? result.errors.map(String) : [] };
  }

  async enableCdc(id: string, body: CdcEnableRequest): Promise<CdcEnableResult> {
    // Safe to repeat: a second enable_cdc after one that landed answers 409, which apply takes as done.
    const result = await this.json<CdcEnableResult>(
      { operation: 'enableCdc', method: 'POST', path: `${SOURCES}${enc(id)}/enable_cdc/`, body, repeatable: true, scope: 'write' },
      'object',
    );
    return { ...result, success: result.success === true, schedules_ready: result.schedules_ready !== false };
  }

  async webhookInfo(id: string): Promise<WebhookInfo> {
    const info = await this.json<WebhookInfo>(
      { operation: 'webhookInfo', method: 'GET', path: `${SOURCES}${enc(id)}/webhook_info/`, repeatable: true, scope: 'read' },
      'object',
    );
    return { ...info, supports_webhooks: info.supports_webhooks === true, exists: info.exists === true };
  }

  async jobs(id: string, options: { after?: string } = {}): Promise<SyncJob[]> {
    const jobs = await this.json<unknown[]>(
      { operation: 'jobs', method: 'GET', path: `${SOURCES}${enc(id)}/jobs/`, query: { after: options.after }, repeatable: true, scope: 'read' },
      'array',
    );
    return jobs.filter(isSyncJob).map((j) => ({ ...j, rows_synced: Math.max(0, j.rows_synced) }));
  }

  async createWebhook(id: string, inputs?: Record<string, unknown>): Promise<CreateWebhookResult> {
    const result = await this.json<CreateWebhookResult>(
      {
        operation: 'createWebhook',
        method: 'POST',
        path: `${SOURCES}${enc(id)}/create_webhook/`,
        body: inputs ? { inputs } : {},
        repeatable: false,
        scope: 'write',
        lookup: 'read webhook_info (exists) for the source',
      },
      'object',
    );
    return {
      ...result,
      success: result.success === true,
      webhook_url: result.webhook_url ?? null,
      error: result.error ?? null,
      pending_inputs: result.pending_inputs ?? [],
    };
  }

  async updateWebhookInputs(id: string, inputs: Record<string, unknown>): Promise<UpdateWebhookInputsResult> {
    return this.json<UpdateWebhookInputsResult>(
      {
        operation: 'updateWebhookInputs',
        method: 'POST',
        path: `${SOURCES}${enc(id)}/update_webhook_inputs/`,
        body: { inputs },
        repeatable: true,
        scope: 'write',
      },
      'object',
    );
  }

  async deleteWebhook(id: string): Promise<DeleteWebhookResult> {
    return this.json<DeleteWebhookResult>(
      {
        operation: 'deleteWebhook',
        method: 'POST',
        path: `${SOURCES}${enc(id)}/delete_webhook/`,
        body: {},
        repeatable: false,
        scope: 'write',
        lookup: 'read webhook_info (exists) for the source',
      },
      'object',
    );
  }

  async listSchemas(): Promise<RemoteSchema[]> {
    return this.pages<RemoteSchema>('listSchemas', SCHEMAS);
  }

  async getSchema(id: string): Promise<RemoteSchema> {
    return this.json<RemoteSchema>({ operation: 'getSchema', method: 'GET', path: `${SCHEMAS}${enc(id)}/`, repeatable: true, scope: 'read' }, 'object');
  }

  async updateSchema(id: string, patch: SchemaUpdate): Promise<RemoteSchema> {
    return this.json<RemoteSchema>(
      { operation: 'updateSchema', method: 'PATCH', path: `${SCHEMAS}${enc(id)}/`, body: patch, repeatable: true, scope: 'write' },
      'object',
    );
  }

  async reloadSchema(id: string): Promise<void> {
    await this.schemaAction('reloadSchema', id, 'reload');
  }

  async resyncSchema(id: string): Promise<void> {
    await this.schemaAction('resyncSchema', id, 'resync');
  }

  private async schemaAction(operation: string, id: string, action: 'reload' | 'resync'): Promise<void> {
    await this.transport.send({
      operation,
      method: 'POST',
      path: `${SCHEMAS}${enc(id)}/${action}/`,
      body: {},
      repeatable: false,
      scope: 'write',
      lookup: "read the schema's status (Running means the sync started)",
    });
  }

  /** Send and check the top-level JSON type, so a wrong host cannot pass for PostHog. */
  private async json<T>(spec: RequestSpec, shape: 'object' | 'array'): Promise<T> {
    const { status, body } = await this.transport.send(spec);
    const ok = shape === 'array' ? Array.isArray(body) : body !== null && typeof body === 'object' && !Array.isArray(body);
    if (!ok) throw this.unexpected(status, spec, body === undefined ? 'an empty body' : `JSON that is not ${shape === 'array' ? 'a list' : 'an object'}`);
    return body as T;
  }

  /**
   * Follow limit/offset pages until `next` is null (API.md §1 "Pagination"). Only `limit`/`offset` are
   * read from `next`: its host may be an internal name, and the key goes nowhere but the configured host.
   */
  private async pages<T>(operation: string, path: string): Promise<T[]> {
    const all: T[] = [];
    let offset = 0;
    let limit = PAGE_SIZE;
    for (let page = 0; page < MAX_PAGES; page++) {
      const spec: RequestSpec = { operation, method: 'GET', path, query: { limit, offset }, repeatable: true, scope: 'read' };
      const { status, body } = await this.transport.send(spec);
      // A non-paginated list (a plain array) is the whole answer.
      if (Array.isArray(body)) return appendAll(all, body as T[]);
      const results = (body as { results?: unknown } | undefined)?.results;
      if (!Array.isArray(results)) throw this.unexpected(status, spec, 'JSON that is not a page of results');
      appendAll(all, results as T[]);
      const next = (body as { next?: unknown }).next;
      if (typeof next !== 'string' || next === '' || results.length === 0) return all;
      const params = nextParams(next);
      offset = params?.offset ?? offset + results.length;
      limit = params?.limit ?? limit;
    }
    throw this.unexpected(200, { operation, method: 'GET', path, repeatable: true, scope: 'read' }, `more than ${MAX_PAGES} pages`);
  }

  /** PostHog answered 2xx with a shape the endpoint never returns. */
  private unexpected(status: number, spec: RequestSpec, what: string): PostHogApiError {
    const ctx: RequestContext = {
      method: spec.method,
      path: `/api/projects/${this.projectId}/${spec.path}`,
      host: this.host,
      projectId: this.projectId,
      scope: spec.scope,
      attempts: 1,
    };
    return unexpectedResponse(status, ctx, what, this.masker);
  }
}

/**
 * Append in a loop: `push(...items)` passes every item as an argument and overflows the call stack for a
 * page of a few hundred thousand entries ("Maximum call stack size exceeded").
 */
function appendAll<T>(target: T[], items: readonly T[]): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** An id as one path segment: ids are UUIDs, but nothing from outside may add a segment or a query. */
function enc(id: string): string {
  return encodeURIComponent(id);
}

function nextParams(next: string): { offset?: number; limit?: number } | undefined {
  try {
    const url = new URL(next, 'https://placeholder.invalid');
    const offset = Number(url.searchParams.get('offset'));
    const limit = Number(url.searchParams.get('limit'));
    return {
      ...(url.searchParams.has('offset') && Number.isInteger(offset) && offset >= 0 ? { offset } : {}),
      ...(url.searchParams.has('limit') && Number.isInteger(limit) && limit > 0 ? { limit } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Fill what an older generation leaves out of a source (API.md §0), so callers need not guess. */
function normaliseSource<S extends RemoteSchemaSummary>(source: RemoteSource<S>): RemoteSource<S> {
  return { ...source, prefix: source.prefix ?? null, description: source.description ?? null, schemas: Array.isArray(source.schemas) ? source.schemas : [] };
}

/** Fill what an older generation leaves out of a database_schema entry (`xmin_available`, `detected_primary_keys`, …). */
function normaliseTable(t: Partial<DiscoveredTable> & { table: string }): DiscoveredTable {
  return {
    ...t,
    table: t.table,
    label: t.label ?? null,
    should_sync: t.should_sync ?? false,
    incremental_fields: t.incremental_fields ?? [],
    incremental_available: t.incremental_available ?? false,
    append_available: t.append_available ?? false,
    cdc_available: t.cdc_available ?? null,
    xmin_available: t.xmin_available ?? null,
    incremental_field: t.incremental_field ?? null,
    sync_type: t.sync_type ?? null,
    rows: t.rows ?? null,
    supports_webhooks: t.supports_webhooks ?? false,
    webhook_only: t.webhook_only ?? false,
    description: t.description ?? null,
    should_sync_default: t.should_sync_default ?? true,
    available_columns: t.available_columns ?? [],
    detected_primary_keys: t.detected_primary_keys ?? null,
    permission_error: t.permission_error ?? null,
    rls_warning: t.rls_warning ?? null,
  };
}

/** A job entry the cost estimate can use: its table, its time and a finite row count (API.md §2.12). */
function isSyncJob(value: unknown): value is SyncJob {
  if (value === null || typeof value !== 'object') return false;
  const job = value as Partial<SyncJob>;
  return (
    typeof job.created_at === 'string' &&
    !Number.isNaN(Date.parse(job.created_at)) &&
    typeof job.rows_synced === 'number' &&
    Number.isFinite(job.rows_synced) &&
    job.schema !== null &&
    typeof job.schema === 'object' &&
    typeof job.schema.name === 'string'
  );
}
