import type { DesiredSource } from '../config/desired.js';
import type { PostHogReader } from '../plan/observe.js';
import type { RemoteSourceInfo } from '../plan/observed.js';
import type { Change, Plan, PlannedRequest, RequestCondition } from '../plan/types.js';
import type { SecretMasker } from '../secrets.js';
import { awaitsInputs, missingEventsText, webhookHealth, webhookProblems } from '../sources/webhooks.js';
import type { SourceTypeInfo } from '../wizard/catalog.js';
import { enableCdc } from './cdc.js';
import { explainRefusedCreate } from './concurrent-create.js';
import { isAmbiguous, isNotFound } from './request-errors.js';

/** The PostHog calls apply makes, beyond plan's reads. The client satisfies this; tests may fake it. */
export interface PostHogWriter extends PostHogReader {
  createSource(body: Record<string, unknown>): Promise<{ id: string }>;
  findSource(sourceType: string, prefix: string | null): Promise<RemoteSourceInfo | null>;
  updateSource(id: string, patch: Record<string, unknown>): Promise<unknown>;
  deleteSource(id: string): Promise<void>;
  refreshSchemas(id: string): Promise<unknown>;
  bulkUpdateSchemas(sourceId: string, updates: Record<string, unknown>[]): Promise<unknown>;
  updateSchema(id: string, patch: Record<string, unknown>): Promise<unknown>;
  createWebhook(id: string, inputs?: Record<string, unknown>): Promise<{ success: boolean; webhook_url?: string | null; error?: string | null; pending_inputs?: string[] | null }>;
  updateWebhookInputs(id: string, inputs: Record<string, unknown>): Promise<unknown>;
  /** POST {id}/enable_cdc/ (API.md §2.12); refusals throw (apply/cdc.ts reads them). */
  enableCdc(id: string, body: Record<string, unknown>): Promise<{ success: boolean; schedules_ready: boolean }>;
}

export type ResultStatus = 'applied' | 'failed' | 'skipped';

export interface ChangeResult {
  address: string;
  action: Change['action'];
  status: ResultStatus;
  remote_id: string | null;
  error: string | null;
  /** Something the user must know or do (e.g. the webhook URL to register by hand). */
  note?: string;
}

export interface ApplyResult {
  format_version: 1;
  ok: boolean;
  results: ChangeResult[];
}

/** What apply needs of each declared source beyond the plan: its resolved config (secrets included, never printed). */
export interface SourceInputs {
  source: DesiredSource;
  info: SourceTypeInfo | undefined;
  config: Record<string, unknown>;
  webhook: Record<string, unknown> | undefined;
}

export interface ApplyHooks {
  onStart?(change: Change): void;
  onDone?(result: ChangeResult): void;
}

/**
 * Execute a plan: the requests each change carries, per source, phase by phase (PHASE in plan/requests.ts);
 * independent sources concurrently. A failure skips that source's later phases (a moved_from's delete, in the
 * last phase, runs only when everything before it succeeded); the other sources go on. Nothing here decides
 * what to send: apply fills placeholders (secrets from the resolved file, ids from earlier responses) and
 * keeps the safety rules of each operation (RequestOp in plan/types.ts).
 */
export async function applyPlan(plan: Plan, client: PostHogWriter, inputs: ReadonlyMap<string, SourceInputs>, masker: SecretMasker, hooks: ApplyHooks = {}): Promise<ApplyResult> {
  const groups = new Map<string, Change[]>();
  // The source's own id comes from its source change, no-op included: the remote_id of a table change is
  // the schema's id, and that of a webhook update is the webhook function's id. (A delete's id is the old
  // source's, of a moved_from: never the id the group's other changes act on.)
  const sourceIds = new Map<string, string>();
  for (const change of plan.changes) {
    if (change.kind === 'source' && change.action !== 'delete' && change.remote_id) sourceIds.set(change.source, change.remote_id);
    if (change.action === 'no-op') continue;
    groups.set(change.source, [...(groups.get(change.source) ?? []), change]);
  }
  const perSource = await Promise.all([...groups].map(([name, changes]) => new SourceRun(changes, sourceIds.get(name) ?? null, client, inputs.get(name), masker, hooks).run()));
  const results = perSource.flat();
  return { format_version: 1, ok: results.every((r) => r.status !== 'failed'), results };
}

interface Step {
  change: Change;
  request: PlannedRequest;
}

type WebhookAnswer = Awaited<ReturnType<PostHogWriter['createWebhook']>>;

/** The execution of one source's changes. */
class SourceRun {
  private readonly results = new Map<Change, ChangeResult>();
  private readonly started = new Set<Change>();
  private readonly failures = new Map<Change, unknown>();
  private readonly notes = new Map<Change, string>();
  /** Schema ids by table name, read from PostHog when a `{schema_id}` must be filled (and after a create). */
  private schemaIds: Map<string, string> | undefined;
  /** Per webhook change: the create_webhook answer (success false: the provider refused the registration). */
  private readonly webhookAnswers = new Map<Change, WebhookAnswer>();
  /** Webhook changes whose declared signing secret was stored. */
  private readonly secretStored = new Set<Change>();

  constructor(
    private readonly changes: Change[],
    private sourceId: string | null,
    private readonly client: PostHogWriter,
    private readonly inputs: SourceInputs | undefined,
    private readonly masker: SecretMasker,
    private readonly hooks: ApplyHooks,
  ) {}

  async run(): Promise<ChangeResult[]> {
    if (!this.inputs && this.changes.some((c) => c.requests.some((r) => containsSecret(r.body)))) {
      // Assertion: every change that sends a secret comes with its source's resolved inputs.
      for (const change of this.changes) this.record(change, 'failed', new Error(`Assertion failed: no inputs for source ${change.source}`));
      return this.ordered();
    }
    const phases = [...new Set(this.changes.flatMap((c) => c.requests.map((r) => r.phase)))].sort((a, b) => a - b);
    let stoppedBy: Change | undefined;
    for (const phase of phases) {
      const steps = this.changes.flatMap((change) => change.requests.filter((r) => r.phase === phase).map((request) => ({ change, request })));
      if (stoppedBy) {
        for (const { change } of steps) if (!this.results.has(change)) this.record(change, 'skipped', null, skipReason(stoppedBy));
        continue;
      }
      for (const { change } of steps) this.start(change);
      await this.runPhase(steps);
      // A change whose last request was in this phase is finished.
      for (const { change } of steps) {
        if (this.results.has(change)) continue;
        if (this.failures.has(change)) this.record(change, 'failed', this.failures.get(change));
        else if (Math.max(...change.requests.map((r) => r.phase)) === phase) this.record(change, 'applied', null);
      }
      stoppedBy = steps.find((s) => this.failures.has(s.change))?.change;
    }
    await this.finishSilent(stoppedBy);
    return this.ordered();
  }

  /**
   * Changes without a request of their own (a table created by its source's create, on PostHog's default
   * schedule) end with their source: applied, with the schema id PostHog gave it, or skipped.
   */
  private async finishSilent(stoppedBy: Change | undefined): Promise<void> {
    const silent = this.changes.filter((c) => !this.results.has(c) && c.requests.length === 0);
    if (silent.length === 0) return;
    const sourceFailed = this.changes.some((c) => c.kind === 'source' && c.action !== 'delete' && this.failures.has(c));
    const unknownIds = silent.some((c) => c.kind === 'table' && !c.remote_id && !this.schemaIds?.has(c.target.table));
    if (!sourceFailed && unknownIds && this.sourceId) {
      try {
        await this.readSchemaIds();
      } catch {
        // Only the ids are missing from the report; the tables were created with the source.
      }
    }
    for (const change of silent) {
      this.start(change);
      if (sourceFailed) this.record(change, 'skipped', null, skipReason(stoppedBy ?? change));
      else this.record(change, 'applied', null);
    }
  }

  private start(change: Change): void {
    if (this.started.has(change)) return;
    this.started.add(change);
    this.hooks.onStart?.(change);
  }

  private ordered(): ChangeResult[] {
    return this.changes.flatMap((c) => (this.results.has(c) ? [this.results.get(c)!] : []));
  }

  private record(change: Change, status: ResultStatus, error: unknown, note?: string): void {
    const text = note ?? this.notes.get(change);
    const result: ChangeResult = {
      address: change.address,
      action: change.action,
      status,
      remote_id: this.remoteId(change),
      error: error === null || error === undefined ? null : this.masker.mask(error instanceof Error ? error.message : String(error)),
      ...(text ? { note: this.masker.mask(text) } : {}),
    };
    this.results.set(change, result);
    this.hooks.onDone?.(result);
  }

  private remoteId(change: Change): string | null {
    switch (change.kind) {
      case 'source':
        return change.action === 'delete' ? change.remote_id : this.sourceId;
      case 'table':
        return change.remote_id ?? this.schemaIds?.get(change.target.table) ?? null;
      case 'webhook':
        return this.sourceId;
    }
  }

  private addNote(change: Change, text: string, where: 'first' | 'last' = 'last'): void {
    const earlier = this.notes.get(change);
    this.notes.set(change, earlier === undefined ? text : where === 'first' ? `${text} ${earlier}` : `${earlier} ${text}`);
  }

  private fail(change: Change, error: unknown): void {
    if (!this.failures.has(change)) this.failures.set(change, error);
  }

  /** The tables' schema PATCHes of a phase travel together (bulk_update_schemas); every other request in plan order. */
  private async runPhase(steps: Step[]): Promise<void> {
    const batch = steps.filter((s) => s.request.op === 'update_schema' && s.change.kind === 'table');
    for (const step of steps) {
      if (batch.includes(step) || this.failures.has(step.change)) continue;
      try {
        await this.send(step);
      } catch (error) {
        this.fail(step.change, error);
      }
    }
    if (batch.length > 0) await this.sendSchemaBatch(batch.filter((s) => !this.failures.has(s.change)));
  }

  /** A body with every `{"$secret": PATH}` replaced by the resolved value. */
  private fill(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.fill(v));
    if (value !== null && typeof value === 'object') {
      const secret = (value as { $secret?: unknown }).$secret;
      if (typeof secret === 'string' && Object.keys(value).length === 1) return this.secret(secret);
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, this.fill(v)]));
    }
    return value;
  }

  private secret(path: string): unknown {
    const [root, ...rest] = path.split('.');
    let node: unknown = root === 'config' ? this.inputs?.config : root === 'webhook' ? this.inputs?.webhook : undefined;
    for (const segment of rest) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    if (node === undefined) throw new Error(`Assertion failed: the secret ${path} of ${this.inputs?.source.name ?? 'this source'} is not resolved`);
    return node;
  }

  private async readSchemaIds(): Promise<Map<string, string>> {
    const ids = new Map((await this.client.getSource(this.id())).schemas.map((s) => [s.name, s.id]));
    this.schemaIds = ids;
    return ids;
  }

  private async schemaId(request: PlannedRequest): Promise<string> {
    if (!request.schema_of) return schemaIdOf(request.path);
    const table = request.schema_of;
    const ids = this.schemaIds?.has(table) ? this.schemaIds : await this.readSchemaIds();
    const id = ids.get(table);
    if (!id) throw new Error(`PostHog did not discover "${table}" when refreshing the source's schemas`);
    return id;
  }

  private id(): string {
    if (!this.sourceId) throw new Error('Assertion failed: the source id is not known yet');
    return this.sourceId;
  }

  private declaredSecret(): boolean {
    const secret = this.inputs?.webhook?.signing_secret;
    return typeof secret === 'string' && secret !== '';
  }

  private async send({ change, request }: Step): Promise<void> {
    if (request.when && !(await this.holds(request.when, change))) return;
    const body = this.fill(request.body) as Record<string, unknown>;
    switch (request.op) {
      case 'create_source':
        this.sourceId = await this.createSource(body);
        this.schemaIds = undefined;
        return;
      case 'update_source':
        await this.client.updateSource(this.id(), body);
        return;
      case 'delete_source':
        try {
          await this.client.deleteSource(change.remote_id!);
        } catch (error) {
          if (!isNotFound(error)) throw error;
          this.notes.set(change, 'already gone');
        }
        return;
      case 'refresh_schemas':
        await this.client.refreshSchemas(this.id());
        this.schemaIds = undefined;
        return;
      case 'update_schema':
        await this.client.updateSchema(await this.schemaId(request), body);
        return;
      case 'create_webhook':
        await this.createWebhook(change);
        return;
      case 'update_webhook_inputs':
        await this.client.updateWebhookInputs(this.id(), body.inputs as Record<string, unknown>);
        this.secretStored.add(change);
        return;
      case 'check_webhook':
        await this.checkWebhook(change);
        return;
      case 'enable_cdc': {
        // 409 (already enabled) is done; 403/400 throw, which skips the table switches of the later phases.
        const note = await enableCdc(this.client, this.id(), change.source, body);
        if (note) this.addNote(change, note);
        return;
      }
    }
  }

  private async holds(condition: RequestCondition, change: Change): Promise<boolean> {
    switch (condition) {
      case 'webhook-not-registered': {
        const answer = this.webhookAnswers.get(change);
        if (answer) return !answer.success;
        // After a create skipped because a webhook existed (or whose answer was lost): PostHog may have made
        // the function but been refused by the provider, and then it waits for the signing secret.
        const health = webhookHealth(await this.client.webhookInfo(this.id()), this.inputs?.info);
        return awaitsInputs(health);
      }
    }
  }

  /**
   * create is never blindly retried: after an ambiguous failure the source is looked up by type and prefix
   * first, and only when it is not there is the create sent again.
   */
  private async createSource(body: Record<string, unknown>): Promise<string> {
    const sourceType = String(body.source_type);
    const prefix = (body.prefix as string | null) ?? null;
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.client.createSource(body)).id;
      } catch (error) {
        // A refusal may be a lost race with another run that created this source after our plan.
        if (!isAmbiguous(error)) throw await explainRefusedCreate(this.client, sourceType, prefix, error);
        if (attempt >= 3) throw error;
        const existing = await this.client.findSource(sourceType, prefix);
        if (existing) return existing.id;
      }
    }
  }

  /**
   * create_webhook only when webhook_info says none exists (each success registers another endpoint). When
   * the provider refuses PostHog's registration, only a declared signing secret (for an endpoint the user
   * registers by hand) lets the change go on.
   */
  private async createWebhook(change: Change): Promise<void> {
    const id = this.id();
    if ((await this.client.webhookInfo(id)).exists) return;
    let answer: WebhookAnswer | undefined;
    try {
      answer = await this.client.createWebhook(id);
    } catch (error) {
      if (!isAmbiguous(error)) throw error;
      if ((await this.client.webhookInfo(id)).exists) return;
      answer = await this.client.createWebhook(id);
    }
    this.webhookAnswers.set(change, answer);
    if (answer.success) return;
    const url = answer.webhook_url ?? '(see the source in PostHog)';
    if (!this.declaredSecret()) {
      throw new Error(
        `PostHog could not register the webhook: ${answer.error ?? 'unknown reason'} Register ${url} in the source's dashboard by hand, put its signing secret in webhook.signing_secret (as a reference), and run apply again.`,
      );
    }
    this.notes.set(change, `PostHog could not register the webhook itself (${answer.error ?? 'no reason given'}); the configured signing secret is stored. Register this URL in the source's dashboard if it is not there yet: ${url}`);
  }

  /** The webhook as it must end: healthy, every event subscribed (API.md §7, setup-flow.md step 6). */
  private async checkWebhook(change: Change): Promise<void> {
    const info = await this.client.webhookInfo(this.id());
    const url = info.webhook_url ?? this.webhookAnswers.get(change)?.webhook_url ?? null;
    if (this.secretStored.has(change) && !this.notes.has(change)) {
      this.notes.set(change, `The configured signing secret is stored. Register this URL in the source's dashboard if it is not there yet: ${url ?? '(see the source in PostHog)'}`);
    }
    const health = webhookHealth(info, this.inputs?.info);
    if (awaitsInputs(health) && !this.declaredSecret()) {
      throw new Error(
        `The webhook is waiting for its signing secret (PostHog could not register the endpoint, or a table switched to webhook sync dropped the secret PostHog had stored): register ${url ?? "the source's webhook URL (see PostHog)"} in the source's dashboard by hand if it is not there yet, put its signing secret in webhook.signing_secret (as a reference), and run apply again.`,
      );
    }
    const problems = webhookProblems(health, { ignoreMissingEvents: true });
    if (problems.length > 0) throw new Error(`The webhook is not healthy after apply: ${problems.join('; ')}.${url ? ` URL: ${url}` : ''}`);
    // PostHog could not read the endpoint at the provider (typically a key without webhook read access, the
    // same key that could not register it): not a failure, plan treats it as healthy too, but say so. Before the
    // registration note, which ends with the URL to copy: text glued after a URL reads as part of it.
    if (health.external_error) this.addNote(change, `PostHog cannot check the endpoint at the provider: ${health.external_error}`, 'first');
    // Events PostHog's key cannot add: only the user can, in the provider's dashboard. Not a failure: the webhook
    // works for the events it has, and failing would fail every later apply the same way; plan shows them as the
    // webhook-missing-events warning, never a change, so nothing re-switches tables. One note, listed first
    // (apply's output shows notes under "Action needed").
    if (health.missing_events.length > 0) this.addNote(change, missingEventsText(health.missing_events, url), 'first');
  }

  /**
   * Schema PATCHes of one phase as one bulk_update_schemas (the client falls back to per-schema PATCH,
   * API.md §12). After a failure PostHog is read again, so each change is reported as it really ended
   * (PostHog saves the rest of a batch when some schemas fail).
   */
  private async sendSchemaBatch(steps: Step[]): Promise<void> {
    const sent: { step: Step; id: string; body: Record<string, unknown> }[] = [];
    for (const step of steps) {
      try {
        sent.push({ step, id: await this.schemaId(step.request), body: this.fill(step.request.body) as Record<string, unknown> });
      } catch (error) {
        this.fail(step.change, error);
      }
    }
    if (sent.length === 0) return;
    try {
      await this.client.bulkUpdateSchemas(this.id(), sent.map((s) => ({ id: s.id, ...s.body })));
    } catch (error) {
      const after = await this.client.getSource(this.id()).catch(() => undefined);
      for (const { step, id, body } of sent) {
        const schema = after?.schemas.find((s) => s.id === id) as unknown as Record<string, unknown> | undefined;
        const landed = schema !== undefined && Object.entries(body).every(([k, v]) => JSON.stringify(schema[k] ?? null) === JSON.stringify(v ?? null));
        if (!landed) this.fail(step.change, error);
      }
    }
  }
}

/** Why a change was skipped: what failed before it in its source's sequence. */
function skipReason(failed: Change): string {
  return failed.kind === 'table' ? 'table changes of this source failed' : `${failed.address} failed`;
}

/** The id in a planned `external_data_schemas/{id}/` path. */
function schemaIdOf(path: string): string {
  const match = /^external_data_schemas\/([^/]+)\/$/.exec(path);
  if (!match || match[1] === '{schema_id}') throw new Error(`Assertion failed: no schema id in ${path}`);
  return match[1]!;
}

function containsSecret(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (typeof (value as { $secret?: unknown }).$secret === 'string') return true;
  return Object.values(value as Record<string, unknown>).some(containsSecret);
}
