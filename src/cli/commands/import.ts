import { Command, Option } from 'clipanion';
import { isIgnored } from '../../config/unmanaged.js';
import { bundledCatalog } from '../../sources/catalog.js';
import { RemoteCommand } from '../base-command.js';
import { connect } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import { fileExists, readTextFile, writeTextFileAtomic } from '../files.js';
import { UsageProblem } from '../../errors.js';

/** The import module loads the `yaml` package: loaded when import runs, so lint's start-up never pays for it. */
const importModule = () => import('../../config/import.js');

export class ImportCommand extends RemoteCommand {
  static override paths = [['import']];
  static override usage = Command.Usage({
    description: 'write warehouse.yaml for the sources that exist in PostHog',
    details: `
      Reads the project's sources (read-only) and writes YAML with their tables' settings and their
      non-secret config. Secrets, which PostHog never returns, become \${...} references named after the
      source, listed so you know what to set. Prints to stdout unless --out is given.

      --prefix (with --type when several types share the prefix) imports one source. --merge adds the
      sources the file (-f) does not declare yet to it, keeping its comments and layout; it never changes a
      declared source, skips sources matching unmanaged.ignore unless --prefix names one, and picks a source
      name that is not taken.
    `,
    examples: [
      ['Adopt an existing project', '$0 import --out warehouse.yaml'],
      ['Print the YAML of one source', '$0 import --prefix shop_ --type Postgres'],
      ['Add one existing source to warehouse.yaml', '$0 import --merge --prefix billing_'],
      ['Add every source warehouse.yaml does not declare yet', '$0 import --merge'],
    ],
  });

  out = Option.String('--out', { description: 'Write to this file (refuses to overwrite without --force)' });
  force = Option.Boolean('--force', false, { description: 'Overwrite --out if it exists' });
  prefix = Option.String('--prefix', { description: 'Import only the source with this prefix' });
  type = Option.String('--type', { description: 'Import only sources of this type (with --prefix: when several types share it)' });
  merge = Option.Boolean('--merge', false, { description: 'Add the sources missing from the file (-f) to it, keeping its comments and layout' });
  file = Option.String('-f,--file', 'warehouse.yaml', { description: 'The file --merge adds to (default ./warehouse.yaml)' });

  protected async run(): Promise<ExitCode> {
    if (this.merge && (this.out || this.force)) throw new UsageProblem(`--merge writes to ${this.file} (-f); it cannot be combined with --out or --force`);
    if (this.out && !this.force && (await fileExists(this.context.cwd, this.out))) {
      throw new UsageProblem(`${this.out} already exists (use --force to overwrite, or --merge to add to it)`);
    }
    if (this.merge) return this.runMerge();
    const { importSources, selectSources } = await importModule();
    const client = await connect(this);
    const chosen = this.choose(await client.listSources(), selectSources);
    const full = await Promise.all(chosen.map((s) => client.getSource(s.id)));
    const result = importSources(full, bundledCatalog());
    const text = this.masker.mask(result.text);
    if (this.out) {
      await writeTextFileAtomic(this.context.cwd, this.out, text);
      this.context.stderr.write(`Wrote ${this.out} with ${chosen.length} source(s).\n`);
    } else {
      this.context.stdout.write(text);
    }
    this.listReferences(result.references);
    return ExitCode.Ok;
  }

  private async runMerge(): Promise<ExitCode> {
    const { describeRemote, isDeclared, mergeSources, readMergeTarget, selectSources } = await importModule();
    const text = await readTextFile(this.context.cwd, this.file);
    const target = readMergeTarget(text);
    if (!target.ok) throw new UsageProblem(`Cannot merge into ${this.file}: ${target.problem}`);
    const client = await connect(this);
    const listed = await client.listSources();
    const selecting = this.prefix !== undefined || this.type !== undefined;
    const chosen = this.choose(listed, selectSources);
    const missing = chosen.filter((remote) => {
      if (isDeclared(target.declared, remote)) {
        if (selecting) this.context.stderr.write(`${describeRemote(remote)}: already declared in ${this.file}, left as it is\n`);
        return false;
      }
      // Sources other teams own stay out, unless asked for by prefix.
      if (this.prefix === undefined && isIgnored(remote, target.declared.ignore)) {
        this.context.stderr.write(`${describeRemote(remote)}: matches unmanaged.ignore, not added\n`);
        return false;
      }
      return true;
    });
    if (missing.length === 0) {
      this.context.stderr.write(`Nothing to add: ${this.file} already declares ${selecting ? 'that source' : 'every source of the project'}.\n`);
      return ExitCode.Ok;
    }
    const full = await Promise.all(missing.map((s) => client.getSource(s.id)));
    const result = mergeSources(text, target, full, bundledCatalog());
    await writeTextFileAtomic(this.context.cwd, this.file, this.masker.mask(result.text));
    for (const added of result.added) this.context.stderr.write(`Added ${added.name}: ${describeRemote(added)}\n`);
    this.listReferences(result.references);
    this.context.stderr.write(`Next: dwctl lint, then dwctl plan\n`);
    return ExitCode.Ok;
  }

  /** The sources --prefix/--type select (all without them); none, or several for one prefix, is a usage problem. */
  private choose<T extends { source_type: string; prefix: string | null }>(listed: readonly T[], selectSources: Awaited<ReturnType<typeof importModule>>['selectSources']): T[] {
    if (this.prefix === undefined && this.type === undefined) return [...listed];
    const selection = selectSources(listed, { ...(this.prefix !== undefined ? { prefix: this.prefix } : {}), ...(this.type !== undefined ? { type: this.type } : {}) });
    if (!selection.ok) throw new UsageProblem(selection.problem);
    return selection.sources;
  }

  private listReferences(references: readonly { reference: string; holds: string }[]): void {
    if (references.length > 0) {
      this.context.stderr.write(`Set these references before \`dwctl plan\`:\n${references.map((r) => `  ${r.reference}: ${r.holds}`).join('\n')}\n`);
    }
  }
}
