import { Command, Option } from 'clipanion';
import { prefixProblem, warehouseTableName } from '../../sources/naming.js';
import { prefixWithoutType } from '../../lint/rules/prefix-repeats-type.js';
import { UsageProblem } from '../../errors.js';
import { bundledCatalog } from '../../sources/catalog.js';
import { DwctlCommand } from '../base-command.js';
import { ExitCode } from '../exit-codes.js';
import { fileExists, readTextFile, writeTextFileAtomic } from '../files.js';

export class InitCommand extends DwctlCommand {
  static override paths = [['init']];
  static override usage = Command.Usage({
    description: 'write a starter warehouse.yaml, or add a source skeleton to it',
    details: `
      Without --type, writes a starter file with the schema modeline (refuses to overwrite one).
      With --type, --name and --prefix, adds a source with the wizard's required fields for that type
      (secrets as \${...} references) to the file, keeping its comments and layout; the file is created
      first if needed. --list-types lists the source types by category.
    `,
    examples: [
      ['Start a file', '$0 init'],
      ['Add a Postgres source', '$0 init --type Postgres --name shop_db --prefix shop_'],
      ['See every source type', '$0 init --list-types'],
    ],
  });

  file = Option.String('-f,--file', 'warehouse.yaml', { description: 'The file to write (default ./warehouse.yaml)' });
  type = Option.String('--type', { description: 'Source type to add, e.g. Postgres, Stripe' });
  name = Option.String('--name', { description: 'Local name of the new source ([a-z][a-z0-9_]*); default from the type' });
  prefix = Option.String('--prefix', { description: 'Table prefix; default the name followed by "_", without the type (PostHog adds it)' });
  listTypes = Option.Boolean('--list-types', false, { description: 'List the source types and exit' });
  force = Option.Boolean('--force', false, { description: 'Overwrite an existing file when writing the starter' });

  protected async run(): Promise<ExitCode> {
    // Loaded here, not at start-up: it brings the yaml package, which `dwctl lint` does without.
    const { addSource, configSkeleton, formatTypeList, matchSourceType, starterFile } = await import('../../config/skeleton.js');
    const catalog = bundledCatalog();
    if (this.listTypes) {
      this.context.stdout.write(formatTypeList([...catalog.values()]));
      return ExitCode.Ok;
    }
    const exists = await fileExists(this.context.cwd, this.file);
    if (!this.type) {
      if (exists && !this.force) throw new UsageProblem(`${this.file} already exists (use --force to overwrite, or --type to add a source)`);
      await writeTextFileAtomic(this.context.cwd, this.file, starterFile());
      this.context.stderr.write(`Wrote ${this.file}. Add a source with: dwctl init --type Postgres --name shop_db --prefix shop_\n`);
      return ExitCode.Ok;
    }
    const match = matchSourceType(catalog, this.type);
    if (!match.exact) {
      const shown = match.candidates.length > 0 ? match.candidates : [...catalog.values()];
      this.context.stderr.write(
        `${match.candidates.length > 1 ? `"${this.type}" matches several source types` : `"${this.type}" is not a source type`}; choose one of:\n${formatTypeList(shown)}`,
      );
      return ExitCode.CouldNotRun;
    }
    const info = match.exact;
    const name = this.name ?? info.name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new UsageProblem(`--name "${name}" must match [a-z][a-z0-9_]*`);
    const text = exists ? await readTextFile(this.context.cwd, this.file) : starterFile();
    const prefix = this.prefix ?? (await defaultPrefix(name, info.name, text));
    const problem = prefixProblem(prefix);
    if (problem) throw new UsageProblem(`--prefix "${prefix}": ${problem}`);
    const source: Record<string, unknown> = { type: info.name, prefix, config: configSkeleton(info, name), tables: {} };
    let updated: string;
    try {
      updated = addSource(text, name, source, ` ${info.label}: list tables with \`dwctl discover ${name}\`, then add them under tables:`);
    } catch (error) {
      throw new UsageProblem(`${this.file}: cannot add the source: ${(error as Error).message}`);
    }
    await writeTextFileAtomic(this.context.cwd, this.file, updated);
    const notes = info.oauthOnly ? ` ${info.label} uses OAuth: authorise it in PostHog first and set the integration id.` : '';
    const tables = warehouseTableName(prefix, info.name, '<table>');
    this.context.stderr.write(`Added source "${name}" (${info.name}, prefix "${prefix}": tables will be named like ${tables}) to ${this.file}.${notes}\n`);
    const advice = prefixAdvice(prefix, info.name);
    if (advice) this.context.stderr.write(`warning: ${advice}\n`);
    return ExitCode.Ok;
  }
}

/**
 * The prefix init proposes: the source name and "_", minus any word that is the type itself, since
 * PostHog puts the type in every table name (API.md §6): `shop_db` → `shop_db_` (shop_db_postgres_orders);
 * `stripe` → "" (stripe_charge). When another source of the type already has that prefix, the user must
 * choose one (two sources cannot share type and prefix).
 */
export async function defaultPrefix(name: string, typeName: string, fileText: string): Promise<string> {
  // The yaml package is loaded only when init runs (never on lint's start-up path).
  const { parseDocument } = await import('../../config/yaml-document.js');
  const prefix = prefixWithoutType(`${name}_`, typeName) ?? `${name}_`;
  let sources: unknown;
  try {
    sources = (parseDocument(fileText).toJS() as { sources?: unknown } | null)?.sources;
  } catch {
    return prefix; // adding the source reports what is wrong with the file
  }
  const taken = Object.values(typeof sources === 'object' && sources ? sources : {}).some((s: { type?: unknown; prefix?: unknown } | null) => s?.type === typeName && (s.prefix ?? '') === prefix);
  if (taken) throw new UsageProblem(`a ${typeName} source with prefix "${prefix}" already exists: choose another with --prefix (one that says what the source holds, e.g. --prefix billing_)`);
  return prefix;
}

/** A warning for a prefix given with --prefix that PostHog would glue badly (lint says the same). */
function prefixAdvice(prefix: string, typeName: string): string | undefined {
  if (prefix !== '' && !prefix.endsWith('_')) return `prefix "${prefix}" does not end in "_": tables will be named like ${warehouseTableName(prefix, typeName, '<table>')} (see prefix-without-separator).`;
  if (prefixWithoutType(prefix, typeName) !== undefined) return `prefix "${prefix}" repeats the source type: tables will be named like ${warehouseTableName(prefix, typeName, '<table>')} (see prefix-repeats-type).`;
  return undefined;
}
