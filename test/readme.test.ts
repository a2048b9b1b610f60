// Every command the README (and docs/configuration.md, and the CI recipes' README) shows a user is run here:
// - each fenced sh/bash block is run as the script it is, line after line, in one directory;
// - each inline `dwctl …` (placeholders such as NAME or [PLANFILE] filled in) in a directory prepared for it;
// - every other backticked command line (`plan --prune`, `apply --yes --wait`) and every backticked flag
//   (`--no-color`) is parsed by the CLI's own definitions;
// - the non-dwctl commands (npm ci, npm test, npm run …, npm pack, npm install -D of the tarball, npx dwctl) are checked against
//   package.json.
// dwctl commands run in-process against the PostHog emulator and the sample Postgres (test/helpers/world.ts).
// A typo'd flag or command in the docs fails this test.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFullCli } from '../src/cli/main.js';

const FULL_CLI = await createFullCli();
import type { DwctlContext } from '../src/cli/context.js';
import { runCli, type CliResult } from './helpers/run-cli.js';
import { BIN, REPO_ROOT, spawnCli } from './helpers/spawn-cli.js';
import { startWorld, type World } from './helpers/world.js';

const DOCS = ['README.md', 'docs/configuration.md', 'examples/ci/README.md'].filter((doc) => existsSync(join(REPO_ROOT, doc)));
const text = (doc: string) => readFileSync(join(REPO_ROOT, doc), 'utf8');
const PACKAGE = JSON.parse(text('package.json')) as { name: string; version: string; bin: Record<string, string>; scripts: Record<string, string>; files: string[] };
const DOCUMENTED_EXIT_CODES = [0, 1, 2, 3];
const USAGE_ERROR = /Unsupported option name|Command not found|Invalid value for|Unknown Syntax Error|Not enough positional|Extraneous positional|Usage Error/i;

// ---------------------------------------------------------------------------------------------------------
// Extraction

interface Block {
  doc: string;
  line: number;
  commands: string[];
}

/** Fenced sh/bash/shell blocks (indented ones too, as in the tutorial's list), as lists of command lines. */
function shellBlocks(doc: string): Block[] {
  const source = text(doc);
  const blocks: Block[] = [];
  for (const m of source.matchAll(/^( *)```(?:sh|bash|shell|console)\n([\s\S]*?)^\1```$/gm)) {
    const commands = m[2]!
      .split('\n')
      .map((line) => line.trim().replace(/^\$ /, ''))
      .map((line) => line.replace(/\s+#\s.*$/, '').trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    blocks.push({ doc, line: source.slice(0, m.index).split('\n').length, commands });
  }
  return blocks;
}

/** Inline code spans outside fenced blocks. */
function inlineSpans(doc: string): string[] {
  const prose = text(doc).replace(/^( *)```[\s\S]*?^\1```$/gm, '');
  return [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
}

/** The README's placeholders, and what stands in for them in a prepared directory. */
const PLACEHOLDERS: Record<string, string[]> = {
  '[FILE...]': ['warehouse.yaml'],
  'FILE...': ['warehouse.yaml'],
  '[PLANFILE]': ['plan.json'],
  PLANFILE: ['plan.json'],
  NAME: ['shop_db'],
  'TABLE...': ['orders'],
  TABLE: ['orders'],
  FILE: ['warehouse.yaml'],
  PATH: ['warehouse.yaml'],
};

/** Split a command line into words, filling placeholders; throws on an unknown placeholder. */
function words(command: string): string[] {
  return command
    .trim()
    .split(/\s+/)
    .filter((word) => word !== '')
    .flatMap((word) => {
      if (word in PLACEHOLDERS) return PLACEHOLDERS[word]!;
      if (/^\[?[A-Z][A-Z_]{2,}(\.\.\.)?\]?$/.test(word)) throw new Error(`unknown placeholder ${word} in \`${command}\`: add it to PLACEHOLDERS`);
      return [word];
    });
}

const CONTEXT = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: {}, colorDepth: 1, cwd: REPO_ROOT, isTTY: false } as unknown as DwctlContext;

/** Parse argv as the binary does, without running it: the problem, or null when dwctl accepts it. */
function cliProblem(argv: string[]): string | null {
  try {
    const command = FULL_CLI.process(argv, CONTEXT);
    if (command.constructor.name === 'HelpCommand' && !argv.includes('--help') && !argv.includes('-h')) return 'not a dwctl command';
    return null;
  } catch (error) {
    return (error as Error).message.split('\n')[0]!;
  }
}

const COMMANDS = new Set(FULL_CLI.definitions().map((d) => d.path.split(' ')[1]!));
/** Every long and short flag of every command, and --no-X for boolean --X. */
const FLAGS = new Set(
  FULL_CLI
    .definitions()
    .flatMap((d) => d.options.flatMap((o) => o.definition.split(' ')[0]!.split(',')))
    .flatMap((flag) => [flag, flag.replace(/^--/, '--no-')]),
);

/**
 * Flags the contract adds (§3, second wave) that engineers implement in parallel with the docs that describe
 * them (the CI recipes use `--update-credentials NAME`; `plan --read-only` has landed). Until the CLI has one, a documented line using it is checked
 * without it; once the CLI has it, this excuse no longer applies and the line runs as written.
 */
const PENDING_FLAGS: Record<string, true> = { '--update-credentials': true };
const pendingFlags = (argv: string[]) => argv.filter((w) => w in PENDING_FLAGS && !FLAGS.has(w));

const allBlocks = DOCS.flatMap(shellBlocks);
const blockCommands = allBlocks.flatMap((b) => b.commands.flatMap((c) => c.split(/\s*&&\s*/)).map((command) => ({ doc: b.doc, command })));
const inlineDwctl = DOCS.flatMap((doc) =>
  inlineSpans(doc)
    .filter((span) => /^(npx )?dwctl( |$)/.test(span))
    .map((span) => ({ doc, command: span })),
);

// ---------------------------------------------------------------------------------------------------------
// The world the dwctl commands run in

let world: World;
let env: Record<string, string>;
let demoFile: string;
let tutorialFile: string;
const dirs: string[] = [];

beforeAll(async () => {
  world = await startWorld();
  env = { ...world.env, DEMO_DB_HOST: world.env.DB_HOST!, DEMO_DB_PORT: world.env.DB_PORT! };
  demoFile = text('examples/demo/warehouse.yaml');
  // The tutorial's file (step 2), pointed at the sample database the emulator can reach.
  const readme = text('README.md');
  const yaml = /^ *```yaml\n([\s\S]*?)^ *```$/m.exec(readme.slice(readme.indexOf('## Tutorial')))![1]!;
  const indent = /^( *)/.exec(yaml)![1]!.length;
  tutorialFile = yaml
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n')
    .replace(/host: \S+/, 'host: ${DB_HOST}')
    .replace(/port: \d+/, 'port: ${DB_PORT}')
    .replace(/database: \S+/, 'database: postgres')
    .replace(/user: \S+/, 'user: postgres');
  expect(tutorialFile).toContain('tables: {}');
}, 120_000);

afterAll(async () => {
  await world?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dwctl-readme-'));
  dirs.push(dir);
  return dir;
}

/** A directory in which `argv` makes sense: the demo's file and a fresh plan.json, or nothing for init/import. */
async function prepare(argv: string[]): Promise<string> {
  const dir = freshDir();
  const [command] = argv;
  if (command === 'init' && !argv.includes('--type')) return dir; // writes the starter file
  if (command === 'import' && argv.includes('--out')) return dir; // refuses to overwrite
  if (command === 'discover' && argv.includes('--add')) {
    writeFileSync(join(dir, 'warehouse.yaml'), tutorialFile); // adds tables the file does not declare yet
    return dir;
  }
  writeFileSync(join(dir, 'warehouse.yaml'), demoFile);
  if (command === 'apply' || command === 'show') {
    const planned = await runCli(['plan', '--out', 'plan.json'], { cwd: dir, env });
    expect(planned.exitCode, planned.stderr).toBe(0);
  }
  return dir;
}

/** Exit codes a documented command may end with where it is run: 0, and for --detailed-exitcode also 2. */
function expectedCodes(argv: string[]): number[] {
  return argv[0] === 'plan' && argv.includes('--detailed-exitcode') ? [0, 2] : [0];
}

/** Run one documented dwctl command line (without the `dwctl`/`npx dwctl`). */
async function dwctl(argv: string[], cwd: string): Promise<CliResult> {
  // `dwctl apply` without --yes asks; answer as the user would, on a terminal.
  const interactive = argv[0] === 'apply' && !argv.includes('--yes');
  return runCli(argv, { cwd, env, ...(interactive ? { tty: true, stdin: 'yes\n' } : {}) });
}

function checkResult(command: string, argv: string[], result: CliResult): void {
  const where = `\`${command}\` exited ${result.exitCode}:\n${result.stdout}\n${result.stderr}`;
  expect(result.stderr + result.stdout, where).not.toMatch(USAGE_ERROR);
  expect(DOCUMENTED_EXIT_CODES, where).toContain(result.exitCode);
  expect(expectedCodes(argv), where).toContain(result.exitCode);
  for (const secret of world.secrets) expect(result.stdout + result.stderr, where).not.toContain(secret);
}

/** The dwctl arguments of a command line: without `npx [--no-install] dwctl`, and without the shell's redirections. */
const stripDwctl = (command: string) => command.replace(/^(npx (--no-install )?)?dwctl\s*/, '').replace(/\s*(\d?>|\|).*$/, '');

// ---------------------------------------------------------------------------------------------------------

describe('the documents’ commands', () => {
  it('are found: the README’s blocks and inline commands', () => {
    const readme = blockCommands.filter((c) => c.doc === 'README.md').map((c) => c.command);
    expect(readme).toEqual(expect.arrayContaining(['npm ci', 'npm run demo', 'npm test', 'npm pack', `npm install -D ./vendor/${PACKAGE.name}-${PACKAGE.version}.tgz`, 'npx dwctl --version', 'dwctl init']));
    // dwctl is not on the registry yet: no block may tell the user to install it from there.
    expect(readme).not.toContain('npm install -D dwctl');
    expect(inlineDwctl.length).toBeGreaterThanOrEqual(10);
  });

  it('the quick start is exactly `npm ci && npm run demo` and `npm test`', () => {
    const quickStart = shellBlocks('README.md').find((b) => b.commands.some((c) => c.includes('npm run demo')))!;
    expect(quickStart.commands).toEqual(['npm ci && npm run demo', 'npm test']);
  });

  it('the helpers catch a typo’d flag, an unknown command and an unknown placeholder', () => {
    expect(cliProblem(['plan', '--detailed-exit-code'])).toMatch(/Unsupported option name/);
    expect(cliProblem(['discovr', 'shop_db'])).toMatch(/Command not found/);
    expect(cliProblem(words('lint --format sarfi'))).toMatch(/Invalid value for --format/);
    expect(() => words('dwctl show PLAN_FILE')).toThrow(/unknown placeholder/);
    expect(FLAGS).not.toContain('--detailed-exit-code');
    expect(FLAGS).toContain('--no-color');
  });
});

describe.each(DOCS.filter((doc) => shellBlocks(doc).length > 0))('%s: fenced shell blocks', (doc) => {
  const blocks = shellBlocks(doc);
  it.each(blocks.map((b) => [`line ${b.line}: ${b.commands.join(' ; ')}`, b] as const))('%s', async (_name, block) => {
    // One directory per block, as a user types a block's lines one after another.
    const first = words(stripDwctl(block.commands.find((c) => /^(npx )?dwctl\b/.test(c)) ?? ''));
    const dir = first.length > 0 ? await prepare(first) : freshDir();
    for (const line of block.commands) {
      for (const command of line.split(/\s*&&\s*/)) {
        if (/^(npx (--no-install )?)?dwctl( |$)/.test(command)) {
          const argv = words(stripDwctl(command));
          if (argv.length > 0 && !['--help', '-h', '--version'].includes(argv[0]!)) expect(COMMANDS, command).toContain(argv[0]);
          expect(cliProblem(argv), command).toBeNull();
          const result = await dwctl(argv, doc.startsWith('examples/') ? REPO_ROOT : dir);
          checkResult(command, argv, result);
          // `discover NAME --add TABLE...` wrote the tables into the file.
          if (argv[0] === 'discover' && argv.includes('--add')) {
            const file = readFileSync(join(dir, 'warehouse.yaml'), 'utf8');
            for (const table of argv.slice(argv.indexOf('--add') + 1)) expect(file, command).toMatch(new RegExp(`^ +${table}:`, 'm'));
          }
        } else {
          checkOtherCommand(command);
        }
      }
    }
  });
});

describe.each(DOCS.filter((doc) => inlineDwctl.some((c) => c.doc === doc)))('%s: inline dwctl commands', (doc) => {
  const commands = inlineDwctl.filter((c) => c.doc === doc).map((c) => c.command);
  it.each([...new Set(commands)])('`%s`', async (command) => {
    const argv = words(stripDwctl(command));
    if (argv.length === 0) return; // "every `dwctl` line": the tool's name, not a command
    expect(COMMANDS, command).toContain(argv[0]);
    const pending = pendingFlags(argv);
    if (pending.length > 0) {
      // Documented ahead of its implementation (contract §3, second wave): the rest of the line must parse.
      expect(cliProblem(argv), command).toMatch(/Unsupported option name/);
      expect(cliProblem(argv.filter((w) => !pending.includes(w))), command).toBeNull();
      return;
    }
    // Prose may name a command without its arguments ("`dwctl discover` lists them"): a mention, not a command line.
    if (argv.length === 1 && cliProblem(argv) === 'Not enough positional arguments.') return;
    expect(cliProblem(argv), command).toBeNull();
    const dir = await prepare(argv);
    const result = await dwctl(argv, dir);
    checkResult(command, argv, result);
    // Commands that write a file wrote it.
    if (argv[0] === 'import' || (argv[0] === 'init' && !argv.includes('--list-types'))) expect(readdirSync(dir)).toContain('warehouse.yaml');
  });
});

describe.each(DOCS)('%s: other backticked commands and flags', (doc) => {
  const spans = inlineSpans(doc).filter((span) => !/^(npx )?dwctl( |$)/.test(span));
  // npm's and npx's own flags, as in `npm install -D dwctl` and `npx --no-install dwctl lint`.
  const NPM_FLAGS = ['-D', '--save-dev', '--no-install', '-g'];
  const commandSpans = [...new Set(spans)].filter((span) => COMMANDS.has(span.split(' ')[0]!) && / --?[a-z]/.test(span));
  const flags = inlineSpans(doc).flatMap((span) => [...span.matchAll(/(?:^|\s)(--?[a-z][a-z-]*)/g)].map((m) => m[1]!));

  if (commandSpans.length > 0) it.each(commandSpans)('`%s` parses as a dwctl command', (span) => {
    // `--format json > out.json` style fragments: the redirection is the shell's.
    const argv = words(span.replace(/\s*[>|].*$/, ''));
    expect(cliProblem(argv), span).toBeNull();
  });

  it('every flag in backticks is a flag some dwctl command accepts (or npm’s -D)', () => {
    for (const flag of flags) if (!NPM_FLAGS.includes(flag) && !(flag in PENDING_FLAGS)) expect(FLAGS, `\`${flag}\` in ${doc}`).toContain(flag);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Commands that are not dwctl's

function checkOtherCommand(command: string): void {
  const argv = command.split(/\s+/);
  const [tool, sub, ...rest] = argv;
  if (tool === 'npm' && sub === 'ci') {
    // npm ci needs a lockfile that matches package.json.
    const lock = JSON.parse(text('package-lock.json')) as { name: string; lockfileVersion: number };
    expect(lock.name).toBe(PACKAGE.name);
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    return;
  }
  if (tool === 'npm' && sub === 'test') {
    expect(PACKAGE.scripts.test, command).toBeDefined();
    return;
  }
  if (tool === 'npm' && sub === 'run') {
    expect(Object.keys(PACKAGE.scripts), command).toContain(rest[0]);
    if (rest[0] === 'emulator') expect(existsSync(join(REPO_ROOT, 'test', 'emulator', 'main.ts'))).toBe(true);
    return;
  }
  if (tool === 'npm' && sub === 'pack') {
    // `npm pack` in dwctl's checkout: the tarball holds the binary, its build and the schema
    // (test/integration/install.test.ts packs and installs it for real).
    expect(rest, command).toEqual([]);
    for (const dir of ['bin', 'dist', 'schemas']) expect(PACKAGE.files, command).toContain(dir);
    return;
  }
  if (tool === 'npm' && (sub === 'install' || sub === 'i')) {
    // Before the first npm release: the tarball `npm pack` writes (<name>-<version>.tgz), as a devDependency.
    expect(rest, command).toEqual(['-D', `./vendor/${PACKAGE.name}-${PACKAGE.version}.tgz`]);
    expect(PACKAGE.bin.dwctl).toBe('./bin/dwctl.js');
    return;
  }
  if (tool === 'pre-commit') {
    expect(['install', 'run', 'autoupdate'], command).toContain(sub);
    return;
  }
  throw new Error(`unrecognised command in the docs: \`${command}\` (teach test/readme.test.ts how to check it)`);
}

describe('the pre-commit snippet the README shows', () => {
  it('is a local hook running the repository\'s own dwctl on the files the published hook checks', async () => {
    const { parse } = await import('yaml');
    const published = parse(text('.pre-commit-hooks.yaml')) as { id: string; files: string }[];
    const snippets = [...text('README.md').matchAll(/^```yaml\n(repos:[\s\S]*?)^```$/gm)].map((m) => parse(m[1]!) as { repos: { repo: string; hooks: Record<string, unknown>[] }[] });
    expect(snippets).toHaveLength(1);
    const [repo] = snippets[0]!.repos;
    expect(repo!.repo).toBe('local');
    expect(repo!.hooks).toEqual([
      { id: 'dwctl-lint', name: 'dwctl lint', entry: 'npx --no-install dwctl lint', language: 'system', files: published.find((h) => h.id === 'dwctl-lint')!.files, pass_filenames: true },
    ]);
    // test/integration/install.test.ts runs this very snippet under the real pre-commit framework.
  });
});

describe('the editor modeline the README shows', () => {
  it('is the one `dwctl init` writes, and points at the schema the package ships', async () => {
    const { MODELINE } = await import('../src/config/skeleton.js');
    const readme = text('README.md');
    const section = readme.slice(readme.indexOf('## Editor set-up'));
    expect(section.slice(0, section.indexOf('\n## ', 1))).toContain(MODELINE);
    const schema = /\$schema=\.\/node_modules\/dwctl\/(.+)$/.exec(MODELINE)![1]!;
    expect(existsSync(join(REPO_ROOT, schema))).toBe(true);
    const pkg = PACKAGE as unknown as { files: string[] };
    expect(pkg.files).toContain(schema.split('/')[0]);
  });
});

describe('the binary the docs call', () => {
  it('`npx dwctl --help` runs the built binary package.json names, listing every command', () => {
    expect(join(REPO_ROOT, PACKAGE.bin.dwctl!)).toBe(BIN);
    const help = spawnCli(['--help'], { cwd: REPO_ROOT });
    expect(help.exitCode, help.stderr).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(`dwctl ${command}`);
  });
});
