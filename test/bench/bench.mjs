// `npm run bench` (which builds dist/ first): how fast `dwctl lint` is where it runs — a pre-commit hook, CI,
// an editor's save hook. One run measures, as process wall-clock times with repeated runs:
//
//   node        `node -e 0`, a bare Node start: the floor for any Node CLI
//   version     `dwctl --version`: loading the CLI without doing anything (separates load from work)
//   lint        `dwctl lint` on examples/postgres-cdc/warehouse.yaml
//   ajv         ajv-cli validating the same YAML against the same schema (draft-07, ajv-formats, all errors)
//   lint-large  `dwctl lint` on a generated file of 50 sources × 200 tables (10,000 tables), clean
//   ajv-large   ajv-cli on that file
//   lint-findings  `dwctl lint` on the same file with errors in it (1 table in 50 misspells its sync type,
//               a repeated key, a literal password): the positioned-diagnostics path at scale
//
// and, once per case, the peak memory (max RSS) of a large lint.
// and in-process, with tsx (no process start): where the time of a large lint goes.
// Prints a table with ratios and goal verdicts; writes test-results/bench.json. Exit 0 even when a goal is
// missed (it is a measurement, not a test) unless --check is given.
//
//   node test/bench/bench.mjs [--runs 20] [--warmup 3] [--sources 50] [--tables 200] [--check] [--no-inprocess]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateLargeWarehouse } from './generate-large.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
};
const RUNS = option('runs', 20);
const WARMUP = option('warmup', 3);
const SOURCES = option('sources', 50);
const TABLES = option('tables', 200);

// Issue 13's goals: the three ratios, and the memory ceiling.
const GOALS = {
  largeVsAjv: 0.6, // large clean file: lint ≤ 0.6× ajv-cli
  largePeakMb: 150, // … under 150 MB peak
  findingsVsClean: 1.5, // large file with findings: within 1.5× the clean case
  startupRatio: 1.8, // typical example: ≤ 1.8× a bare Node start
};

const BIN = join(ROOT, 'bin', 'dwctl.js');
const AJV = join(ROOT, 'node_modules', 'ajv-cli', 'dist', 'index.js');
const SCHEMA = join(ROOT, 'schemas', 'warehouse.schema.json');
const EXAMPLE = join(ROOT, 'examples', 'postgres-cdc', 'warehouse.yaml');

for (const [what, file] of [['the build (npm run build)', join(ROOT, 'dist', 'cli.js')], ['ajv-cli', AJV], ['the example', EXAMPLE]]) {
  if (!existsSync(file)) {
    console.error(`bench: ${what} is missing: ${file}`);
    process.exit(3);
  }
}

const work = mkdtempSync(join(tmpdir(), 'dwctl-bench-'));
const LARGE = join(work, 'warehouse.yaml');
const largeText = generateLargeWarehouse({ sources: SOURCES, tables: TABLES });
writeFileSync(LARGE, largeText);
const FINDINGS = join(work, 'findings.yaml');
writeFileSync(FINDINGS, withFindings(largeText));

/** The large file with errors spread through it: misspelt sync types, a repeated key, a literal password. */
function withFindings(text) {
  let n = 0;
  return text
    .replace(/sync: full_refresh/g, (m) => (n++ % 50 === 0 ? 'sync: full_refrsh' : m))
    .replace(/(\n    type: Postgres\n)/, '$1    type: Postgres\n')
    .replace(/password: \$\{PG_0_PASSWORD\}/, 'password: hunter2');
}

// ajv-cli validates with the same options dwctl compiles its validator with: draft-07, formats, all errors,
// non-strict (the schema uses `if/then` without `type` next to it, which strict mode rejects).
const ajvArgs = (data) => [AJV, 'validate', '-s', SCHEMA, '-d', data, '--spec=draft7', '-c', 'ajv-formats', '--strict=false', '--all-errors', '--errors=text'];

const CASES = [
  { id: 'node', label: 'node -e 0', argv: ['-e', '0'], expectExit: 0 },
  { id: 'version', label: 'dwctl --version (bundle load, no work)', argv: [BIN, '--version'], expectExit: 0 },
  { id: 'lint', label: `dwctl lint ${relative(ROOT, EXAMPLE)}`, argv: [BIN, 'lint', EXAMPLE], expectExit: 0 },
  { id: 'ajv', label: 'ajv-cli validate (same example)', argv: ajvArgs(EXAMPLE), expectExit: 0 },
  { id: 'lint-large', label: `dwctl lint (${SOURCES} sources × ${TABLES} tables)`, argv: [BIN, 'lint', LARGE], expectExit: 0 },
  { id: 'ajv-large', label: `ajv-cli validate (${SOURCES} × ${TABLES})`, argv: ajvArgs(LARGE), expectExit: 0 },
  { id: 'lint-findings', label: `dwctl lint (${SOURCES} × ${TABLES}, with findings)`, argv: [BIN, 'lint', FINDINGS], expectExit: 1 },
];

// Peak memory: a preload prints the process's max RSS on exit (portable; no /usr/bin/time needed).
const RSS_PRELOAD = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nbench-max-rss-kb='+process.resourceUsage().maxRSS+'\\n'))`;
function peakMb(c) {
  const r = spawnSync(process.execPath, ['--import', RSS_PRELOAD, ...c.argv], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  const match = /bench-max-rss-kb=(\d+)/.exec(r.stderr);
  return match ? Number(match[1]) / 1024 : NaN;
}

function once(c) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.argv, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== c.expectExit) {
    throw new Error(`${c.label}: exit ${r.status ?? r.signal}, expected ${c.expectExit}\n${r.stdout}\n${r.stderr}`);
  }
  return ms;
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { runs: s.length, median: q(0.5), p90: q(0.9), min: s[0], max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
}

// Round-robin: every round runs each case once, so drift (CPU frequency, other load) hits all cases alike.
const samples = Object.fromEntries(CASES.map((c) => [c.id, []]));
for (let round = 0; round < WARMUP + RUNS; round++) {
  for (const c of CASES) {
    const ms = once(c);
    if (round >= WARMUP) samples[c.id].push(ms);
  }
}
const results = Object.fromEntries(CASES.map((c) => [c.id, { label: c.label, ...stats(samples[c.id]) }]));

// In-process: the same work without a process start, split into its parts.
let inProcess = null;
if (!flag('no-inprocess')) {
  try {
    inProcess = await measureInProcess();
  } catch (error) {
    inProcess = { error: String(error?.stack ?? error) };
  }
}

const m = (id) => results[id].median;
const peak = { 'lint-large': peakMb(CASES.find((c) => c.id === 'lint-large')), 'lint-findings': peakMb(CASES.find((c) => c.id === 'lint-findings')) };
const ratios = {
  lint_large_vs_ajv_large: m('lint-large') / m('ajv-large'),
  lint_findings_vs_lint_large: m('lint-findings') / m('lint-large'),
  lint_vs_node: m('lint') / m('node'),
  lint_vs_ajv: m('lint') / m('ajv'),
};
const goals = [
  {
    goal: `large clean file (${SOURCES} × ${TABLES}): lint ≤ ${GOALS.largeVsAjv}× ajv-cli`,
    measured: `${ratios.lint_large_vs_ajv_large.toFixed(2)}× (${fmt(m('lint-large'))} vs ${fmt(m('ajv-large'))})`,
    met: ratios.lint_large_vs_ajv_large <= GOALS.largeVsAjv,
  },
  {
    goal: `large clean file: peak memory under ${GOALS.largePeakMb} MB`,
    measured: `${peak['lint-large'].toFixed(0)} MB max RSS (with findings: ${peak['lint-findings'].toFixed(0)} MB)`,
    met: peak['lint-large'] < GOALS.largePeakMb,
  },
  {
    goal: `large file with findings: within ${GOALS.findingsVsClean}× the clean case`,
    measured: `${ratios.lint_findings_vs_lint_large.toFixed(2)}× (${fmt(m('lint-findings'))} vs ${fmt(m('lint-large'))})`,
    met: ratios.lint_findings_vs_lint_large <= GOALS.findingsVsClean,
  },
  {
    goal: `typical example: ≤ ${GOALS.startupRatio}× a bare Node start`,
    measured: `${ratios.lint_vs_node.toFixed(2)}× (${fmt(m('lint'))} vs ${fmt(m('node'))})`,
    met: ratios.lint_vs_node <= GOALS.startupRatio,
  },
];

const environment = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
  memory_gb: Math.round(totalmem() / 2 ** 30),
  runs: RUNS,
  warmup: WARMUP,
  large_file: { sources: SOURCES, tables: SOURCES * TABLES, bytes: Buffer.byteLength(largeText), lines: largeText.split('\n').length - 1 },
  dist_cli_js_bytes: readFileSync(join(ROOT, 'dist', 'cli.js')).length,
  commit: gitDescribe(),
};

printReport();
mkdirSync(join(ROOT, 'test-results'), { recursive: true });
writeFileSync(
  join(ROOT, 'test-results', 'bench.json'),
  `${JSON.stringify({ format_version: 1, environment, goals: GOALS, results, ratios, peak_mb: peak, verdicts: goals, in_process: inProcess }, null, 2)}\n`,
);
console.log(`\nwritten: ${relative(process.cwd(), join(ROOT, 'test-results', 'bench.json'))}`);
rmSync(work, { recursive: true, force: true });
if (flag('check') && goals.some((g) => !g.met)) process.exit(1);

function gitDescribe() {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return null;
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? ' (with uncommitted changes)' : ''}`;
}

function fmt(ms) {
  return `${ms.toFixed(1)} ms`;
}

function printReport() {
  const rows = CASES.map((c) => {
    const r = results[c.id];
    return [c.label, fmt(r.median), fmt(r.p90), fmt(r.min), `${(r.median / m('node')).toFixed(2)}×`];
  });
  table(['command (process wall-clock)', 'median', 'p90', 'min', 'vs node -e 0'], rows);
  console.log(
    `\n${RUNS} runs each after ${WARMUP} warm-up rounds; Node ${process.version}, ${environment.cpu}; ` +
      `large file ${(environment.large_file.bytes / 1024).toFixed(0)} KiB, ${environment.large_file.lines} lines.\n`,
  );
  table(
    ['goal', 'measured', 'verdict'],
    goals.map((g) => [g.goal, g.measured, g.met ? 'met' : 'NOT met']),
  );
  if (inProcess && !inProcess.error) {
    console.log(`\nin process (tsx, warm, median of ${inProcess.runs}; compiling the validator at run time would add ${inProcess.validator_compile_ms.toFixed(0)} ms, which the build's precompiled validator saves):`);
    table(
      ['step', 'median', 'p90'],
      inProcess.steps.map((s) => [s.step, fmt(s.median), fmt(s.p90)]),
    );
  } else if (inProcess?.error) {
    console.log(`\nin-process measurement failed: ${inProcess.error.split('\n')[0]}`);
  }
}

function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

/**
 * The large lint's parts, in this process: parse (YAML with positions), schema validation, the semantic rules,
 * the whole lintText, and — for comparison — what ajv alone costs on a plain parse. The validator is
 * compiled at run time here (the bundle ships it precompiled), so its compile time is reported separately.
 */
async function measureInProcess() {
  const { tsImport } = await import('tsx/esm/api');
  const imp = (p) => tsImport(pathToFileURL(join(ROOT, p)).href, import.meta.url);
  const { lintText } = await imp('src/lint/lint.ts');
  const { bundledCatalog } = await imp('src/sources/catalog.ts');
  const { parseWarehouseFile, loadFullParser } = await imp('src/config/parse.ts');
  await loadFullParser();
  const { compileValidator } = await imp('src/schema/ajv.ts');
  const { parse: parseYaml } = await import('yaml');
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));

  const t0 = process.hrtime.bigint();
  const validate = compileValidator(schema);
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const catalog = bundledCatalog();
  const options = { validate, catalog };

  const first = lintText(LARGE, largeText, options);
  const errors = first.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`the generated file has lint errors: ${errors.slice(0, 3).map((d) => `${d.code} ${d.message}`).join('; ')}`);

  const runs = Math.max(5, Math.min(RUNS, 15));
  const time = (fn) => {
    for (let i = 0; i < 2; i++) fn();
    const out = [];
    for (let i = 0; i < runs; i++) {
      const s = process.hrtime.bigint();
      fn();
      out.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    return stats(out);
  };
  const parsed = parseWarehouseFile(LARGE, largeText);
  if (parsed.parser !== 'fast') throw new Error(`the generated file did not take the fast parse path (${parsed.parser})`);
  const steps = [
    { step: 'lintText (whole lint of the large file)', ...time(() => lintText(LARGE, largeText, options)) },
    { step: 'parseWarehouseFile, fast path (values and positions)', ...time(() => parseWarehouseFile(LARGE, largeText)) },
    { step: 'parseWarehouseFile, yaml path (before this change)', ...time(() => parseWarehouseFile(LARGE, largeText, { parser: 'yaml' })) },
    { step: 'schema validation (ajv, same generated code)', ...time(() => validate(parsed.value)) },
    { step: 'yaml.parse (plain, no positions), for comparison', ...time(() => parseYaml(largeText)) },
  ];
  return { runs, validator_compile_ms: compileMs, steps };
}
