import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { resolveTableName, summariseTables, recommendedEntry } from '../../plan/discover.js';
import type { RowCount } from '../../plan/recommend.js';
import { missingSecretDiagnostics, referenceReader, resolveSource } from '../../plan/observe.js';
import { DISCOVER_FORMATS, discoverRenderers } from '../../render/discover.js';
import { lintRenderers } from '../../render/lint.js';
import { terminalText } from '../../sanitize.js';
import { bundledCatalog } from '../../sources/catalog.js';
import { closest } from '../../lint/suggest.js';
import { UsageProblem } from '../../errors.js';
import { VERSION } from '../../version.js';
import { RemoteCommand } from '../base-command.js';
import { ExitCode } from '../exit-codes.js';
import { writeTextFileAtomic } from '../files.js';
import { connect } from '../connect.js';
import { fileConnection, loadFile } from '../workflow.js';

export class DiscoverCommand extends RemoteCommand {
  static override paths = [['discover']];
  static override usage = Command.Usage({
    description: 'list the tables PostHog discovers for a declared source',
    details: `
      Validates the source's credentials through PostHog and prints its tables as a summary: row counts
      (or "unknown"), the sync types each offers, incremental-field candidates, primary keys, permission
      problems, the warehouse table name and the recommended setting (docs/recommendations.md). With --add,
      writes entries with the recommended settings for the named tables into the file, keeping its comments
      and layout; a bare name (orders) stands for the one schema-qualified table it names (public.orders).
      Tables are never all added at once: rows synced are billed. --count-rows (Postgres) estimates rows from
      the database's own statistics with the source's credentials (read-only; failures are warnings), so the
      small-table rule can apply.
    `,
    examples: [
      ['See what shop_db offers', '$0 discover shop_db'],
      ['The same, with row estimates from the database', '$0 discover shop_db --count-rows'],
      ['Add two tables with their recommended settings', '$0 discover shop_db --add orders users'],
    ],
  });

  name = Option.String({ name: 'NAME' });
  add = Option.Array('--add', { description: 'Add these tables to the file with the recommended settings' });
  tables = Option.Rest({ name: 'TABLE' });
  file = Option.String('-f,--file', 'warehouse.yaml', { description: 'The warehouse file (default ./warehouse.yaml)' });
  format = Option.String('--format', 'text', { validator: t.isEnum(DISCOVER_FORMATS), description: 'Output format: text, json' });
  countRows = Option.Boolean('--count-rows', false, { description: 'Estimate rows from the source database (Postgres statistics; read-only, same credentials)' });

  protected override wantsJson(): boolean {
    return this.format === 'json';
  }

  protected async run(): Promise<ExitCode> {
    const loaded = await loadFile(this, this.file);
    const source = loaded.desired.sources.find((s) => s.name === this.name);
    if (!source) {
      const names = loaded.desired.sources.map((s) => s.name);
      const hint = closest(this.name, names);
      throw new UsageProblem(`No source "${this.name}" in ${this.file}.${hint ? ` Did you mean "${hint}"?` : ''} Declared: ${names.join(', ') || 'none'}.`);
    }
    // Only problems in this source's own definition stop discovery.
    const blocking = loaded.lint.filter((d) => d.severity === 'error' && (d.path === '' || d.path.startsWith(`/sources/${this.name}/type`) || d.path.startsWith(`/sources/${this.name}/config`)));
    if (blocking.length > 0) {
      this.context.stderr.write(lintRenderers.text({ files: [{ file: this.file, text: loaded.text, diagnostics: blocking }], version: VERSION }, { color: this.useColor('stderr') }));
      return ExitCode.Findings;
    }
    const info = bundledCatalog().get(source.type);
    const resolved = resolveSource(source, info, referenceReader(this.context.env, this.file, this.context.cwd), this.masker);
    if (resolved.unresolved.length > 0) {
      const diagnostics = missingSecretDiagnostics(resolved.unresolved, loaded.positions);
      this.context.stderr.write(lintRenderers.text({ files: [{ file: this.file, text: loaded.text, diagnostics }], version: VERSION }, { color: this.useColor('stderr') }));
      return ExitCode.Findings;
    }
    const client = await connect(this, fileConnection(loaded));
    let discovered;
    try {
      discovered = await client.databaseSchema(source.type, resolved.config);
    } catch (error) {
      if ((error as { status?: number }).status === 400) {
        this.context.stderr.write(`error: PostHog could not connect to ${source.name} (${source.type}): ${terminalText(this.masker.mask((error as Error).message))}\n`);
        if (this.format === 'json') this.context.stdout.write(JSON.stringify({ error: { code: 'credentials-rejected', message: this.masker.mask((error as Error).message) } }, null, 2) + '\n');
        return ExitCode.Findings;
      }
      throw error;
    }
    const declared = new Map(source.tables.map((table) => [table.name, table.sync]));
    let estimates: Map<string, RowCount> | undefined;
    let estimateWarnings: string[] | undefined;
    if (this.countRows) {
      const { estimateRows } = await import('../../estimate/index.js');
      const unknown = discovered.filter((d) => d.rows === null).map((d) => d.table);
      const result = await estimateRows(source.type, resolved.config, unknown).catch((error: unknown) => ({ rows: new Map<string, RowCount>(), warnings: [`rows not counted: ${(error as Error).message}`] }));
      estimates = result?.rows;
      estimateWarnings = (result?.warnings ?? [`rows not counted: --count-rows estimates rows for Postgres sources only, not ${source.type}`]).map((w) => this.masker.mask(w));
    }
    const summaries = summariseTables(discovered, declared, { source_type: source.type, prefix: source.prefix, traits: { syncTypes: info?.syncTypes ?? [] }, ...(estimates ? { estimates } : {}) });
    const toAdd = [...(this.add ?? []), ...this.tables];
    if (toAdd.length === 0) {
      const result = { source: source.name, source_type: source.type, prefix: source.prefix, tables: summaries, ...(estimateWarnings ? { row_estimate_warnings: estimateWarnings } : {}) };
      this.context.stdout.write(this.masker.mask(discoverRenderers[this.format](result, { color: this.useColor() })));
      return ExitCode.Ok;
    }
    if (estimateWarnings) for (const w of estimateWarnings) this.context.stderr.write(`warning: ${w}\n`);
    const byName = new Map(summaries.map((s) => [s.table, s]));
    const resolvedNames = toAdd.map((name) => resolveTableName(name, [...byName.keys()]));
    const missing = toAdd.filter((_, i) => resolvedNames[i] === null);
    if (missing.length > 0) {
      for (const name of missing) {
        const qualified = [...byName.keys()].filter((k) => k.endsWith(`.${name}`));
        const hint = qualified.length > 1 ? ` It is ambiguous: ${qualified.join(', ')}.` : closestHint(name, byName.keys());
        this.context.stderr.write(terminalText(`error: PostHog found no table "${name}" in ${source.name}.${hint}`) + '\n');
      }
      return ExitCode.Findings;
    }
    // Loaded here, not at start-up: `dwctl lint` does without the yaml package.
    const { isMap, parseDocument, YAMLMap } = await import('../../config/yaml-document.js');
    const document = parseDocument(loaded.text);
    const sourceNode = document.getIn(['sources', source.name], true);
    if (!isMap(sourceNode)) throw new UsageProblem(`sources.${source.name} is not a mapping`);
    const existing: unknown = sourceNode.get('tables', true);
    const tables = isMap(existing) ? existing : new YAMLMap();
    if (!isMap(existing)) sourceNode.set('tables', tables);
    tables.flow = false;
    const added: string[] = [];
    for (const name of new Set(resolvedNames as string[])) {
      if (tables.has(name)) {
        this.context.stderr.write(`${name}: already declared, left as it is\n`);
        continue;
      }
      const entry = document.createNode(recommendedEntry(byName.get(name)!), { flow: true });
      tables.set(document.createNode(name), entry);
      added.push(name);
    }
    await writeTextFileAtomic(this.context.cwd, this.file, document.toString({ lineWidth: 0 }));
    for (const name of added) {
      const s = byName.get(name)!;
      this.context.stderr.write(terminalText(`Added ${name} (${s.warehouse_table}): sync ${s.recommended.sync}${s.recommended.incremental_field ? ` on ${s.recommended.incremental_field}` : ''} (${s.recommended.reason}). It imports ${s.recommended.imports}.`) + '\n');
    }
    this.context.stderr.write(`Next: dwctl plan\n`);
    return ExitCode.Ok;
  }
}

function closestHint(name: string, names: Iterable<string>): string {
  const hint = closest(name, names);
  return hint ? ` Did you mean "${hint}"?` : '';
}
