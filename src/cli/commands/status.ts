import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { parseDuration } from '../../apply/wait.js';
import { UsageProblem } from '../../errors.js';
import { warehouseTableName } from '../../sources/naming.js';
import { webhookHealth } from '../../sources/webhooks.js';
import { matchRemote } from '../../plan/plan.js';
import type { RemoteSourceInfo } from '../../plan/observed.js';
import { STATUS_FORMATS, statusRenderers, type StatusReport, type StatusSource } from '../../render/status.js';
import { RemoteCommand } from '../base-command.js';
import { connect } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import { fileConnection, loadFile } from '../workflow.js';
import type { PostHogReader } from '../../plan/observe.js';
import type { DesiredState } from '../../config/desired.js';
import { bundledCatalog } from '../../sources/catalog.js';

/**
 * The shortest time between --watch refreshes. PostHog allows a key 480 requests a minute and 4800 an hour
 * (API.md §1, §12), shared with everything else using it; `--interval 0` must not spend them in a loop.
 */
export const MIN_WATCH_INTERVAL_MS = 2_000;
/** Spacing per request of one refresh that keeps a watch under 4000 requests an hour (below PostHog's 4800). */
const HOURLY_PACE_MS = 900;

export class StatusCommand extends RemoteCommand {
  static override paths = [['status']];
  static override usage = Command.Usage({
    description: 'show each table\'s sync status',
    details: `
      For the declared sources (or every source in the project with --all): each table's sync setting,
      frequency, status, last sync, rows and latest error, and for sources with webhook tables the webhook's
      health (exists, enabled, missing events, pending inputs). --watch refreshes until interrupted (or --count
      refreshes). Read-only. With --watch --format json, each refresh is one JSON document on its own line.
    `,
    examples: [
      ['Status of the declared sources', '$0 status'],
      ['Everything in the project, as JSON', '$0 status --all --format json'],
      ['Refresh every 10 seconds', '$0 status --watch --interval 10s'],
    ],
  });

  file = Option.String('-f,--file', 'warehouse.yaml', { description: 'The warehouse file (default ./warehouse.yaml)' });
  all = Option.Boolean('--all', false, { description: 'Every source in the project, declared or not' });
  watch = Option.Boolean('--watch', false, { description: 'Refresh until interrupted' });
  interval = Option.String('--interval', '5s', { description: 'Time between refreshes with --watch (default 5s)' });
  count = Option.String('--count', { validator: t.isNumber(), description: 'With --watch, stop after this many refreshes' });
  format = Option.String('--format', 'text', { validator: t.isEnum(STATUS_FORMATS), description: 'Output format: text, json' });

  protected override wantsJson(): boolean {
    return this.format === 'json';
  }

  protected async run(): Promise<ExitCode> {
    const requested = parseDuration(this.interval);
    if (requested === undefined) throw new UsageProblem(`--interval "${this.interval}": expected a duration such as 5s or 1m`);
    let intervalMs = requested;
    if (this.watch && requested < MIN_WATCH_INTERVAL_MS) {
      intervalMs = MIN_WATCH_INTERVAL_MS;
      this.context.stderr.write(`--interval ${this.interval} is below the minimum of ${MIN_WATCH_INTERVAL_MS / 1000}s (PostHog rate-limits the API key); refreshing every ${MIN_WATCH_INTERVAL_MS / 1000}s.\n`);
    }
    const loaded = await loadFile(this, this.file);
    const client = await connect(this, fileConnection(loaded));
    const rounds = this.watch ? (this.count ?? Infinity) : 1;
    let slowedDown = false;
    for (let round = 1; round <= rounds; round++) {
      const before = client.stats.requests;
      const report = await readStatus(client, loaded.desired, this.all);
      // A refresh costs one request per shown source plus the list: space refreshes so a watch left running
      // for hours stays under PostHog's hourly limit, whatever the interval asked for.
      const paced = Math.max(intervalMs, (client.stats.requests - before) * HOURLY_PACE_MS);
      if (paced > intervalMs && !slowedDown) {
        slowedDown = true;
        this.context.stderr.write(
          `Refreshing every ${Math.ceil(paced / 1000)}s instead of ${Math.ceil(intervalMs / 1000)}s: each refresh makes ${client.stats.requests - before} requests, and PostHog allows 4800 an hour.\n`,
        );
      }
      if (this.watch && this.context.isTTY && this.format === 'text') this.context.stdout.write('\u001b[2J\u001b[H');
      // --watch --format json: one compact document per line (JSON Lines), so a reader can take each refresh as it comes.
      const text = this.watch && this.format === 'json' ? `${JSON.stringify(report)}\n` : statusRenderers[this.format](report, { color: this.useColor() });
      this.context.stdout.write(this.masker.mask(text));
      if (round < rounds) await new Promise((r) => setTimeout(r, paced));
    }
    return ExitCode.Ok;
  }
}

/** One list, then one retrieve per shown source (and one webhook_info per source with webhook tables). */
export async function readStatus(client: Pick<PostHogReader, 'listSources' | 'getSource'> & Partial<Pick<PostHogReader, 'webhookInfo'>>, desired: DesiredState, all: boolean): Promise<StatusReport> {
  const listed = await client.listSources();
  const shown: { name: string; declared: boolean; type: string; prefix: string | null; remote?: RemoteSourceInfo }[] = [];
  for (const source of desired.sources) {
    const remote = matchRemote(source, listed);
    shown.push({ name: source.name, declared: true, type: source.type, prefix: source.prefix || null, ...(remote ? { remote } : {}) });
  }
  if (all) {
    for (const remote of listed) {
      if (shown.some((s) => s.remote?.id === remote.id)) continue;
      shown.push({ name: `${remote.source_type.toLowerCase()}${remote.prefix ? `:${remote.prefix}` : ''}`, declared: false, type: remote.source_type, prefix: remote.prefix, remote });
    }
  }
  const sources: StatusSource[] = await Promise.all(
    shown.map(async (s) => {
      if (!s.remote) return { name: s.name, declared: s.declared, source_type: s.type, prefix: s.prefix, remote_id: null, status: null, tables: [] };
      const full = await client.getSource(s.remote.id);
      const usesWebhooks = full.schemas.some((schema) => schema.sync_type === 'webhook' && schema.should_sync);
      const webhook = usesWebhooks && client.webhookInfo ? webhookHealth(await client.webhookInfo(full.id), bundledCatalog().get(full.source_type)) : undefined;
      return {
        name: s.name,
        declared: s.declared,
        source_type: full.source_type,
        prefix: full.prefix,
        remote_id: full.id,
        status: full.status ?? null,
        tables: full.schemas
          .map((schema) => ({
            table: schema.name,
            warehouse_table: warehouseTableName(full.prefix, full.source_type, schema.name),
            should_sync: schema.should_sync,
            sync_type: schema.sync_type,
            sync_frequency: schema.sync_frequency ?? null,
            status: schema.status ?? null,
            last_synced_at: schema.last_synced_at ?? null,
            rows: schema.table?.row_count ?? null,
            latest_error: schema.latest_error ?? null,
          }))
          .sort((a, b) => Number(b.should_sync) - Number(a.should_sync) || (a.table < b.table ? -1 : 1)),
        ...(webhook ? { webhook } : {}),
      };
    }),
  );
  return { format_version: 1, sources };
}
