// The CI recipes in examples/ci are copied into users' repositories as they are, so they are checked here:
// - the GitHub workflows with GitHub's own workflow parser (@actions/workflow-parser, the one behind the
//   Actions language service), which rejects unknown keys, bad triggers and malformed ${{ }} expressions;
// - the GitLab pipeline for its structure (stages, rules, resource_group) and its scripts by running them;
// - the pre-commit config against the hook ids this repository publishes in .pre-commit-hooks.yaml;
// - every `dwctl …` invocation in any recipe (comments included) against the CLI's real definitions
//   (clipanion parses it as the binary would: an unknown command, flag or --format value throws), and every
//   exit code the recipes branch on against the documented ones.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCli } from '../src/cli/main.js';
import type { DwctlContext } from '../src/cli/context.js';
import { REPO_ROOT } from './helpers/spawn-cli.js';
import { runCli } from './helpers/run-cli.js';

const CI_DIR = join(REPO_ROOT, 'examples', 'ci');
const read = (...parts: string[]) => readFileSync(join(CI_DIR, ...parts), 'utf8');

/** Every file under examples/ci, relative to it. */
function recipeFiles(dir = CI_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? recipeFiles(join(dir, entry.name)) : [relative(CI_DIR, join(dir, entry.name))],
  );
}

/** The exit codes README.md documents, from its "Exit codes" table. */
function documentedExitCodes(): Set<number> {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Exit codes'));
  const table = section.slice(0, section.indexOf('\n## ', 1));
  return new Set([...table.matchAll(/^\| (\d) \|/gm)].map((m) => Number(m[1])));
}

const scratch: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dwctl-ci-'));
  scratch.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A bin directory whose `npx` stands in for dwctl: prints a plan, then exits with $FAKE_CODE. */
function fakeNpx(): string {
  const bin = join(tempDir(), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'npx'), '#!/bin/sh\necho "### dwctl plan: fake"\necho "fake progress" >&2\nexit "${FAKE_CODE:-0}"\n');
  chmodSync(join(bin, 'npx'), 0o755);
  return bin;
}

/** GitHub expressions cannot be evaluated outside Actions; in a script they become a placeholder. */
const withoutExpressions = (script: string) => script.replace(/\$\{\{[^}]*\}\}/g, 'EXPR');

// ---------------------------------------------------------------------------------------------------------
// GitHub Actions

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  'runs-on': string;
  needs?: string | string[];
  if?: string;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

/**
 * GitHub's workflow parser, run in a child process: the package imports its schema as JSON without an import
 * attribute, which Node's own ESM loader (and so vitest, for an external dependency) refuses and tsx accepts.
 * Returns each workflow's errors; conversion also checks what the schema alone cannot (job dependencies,
 * concurrency, step ids, the contexts each expression may use).
 */
function validateWorkflows(workflows: { name: string; content: string }[]): string[][] {
  const script = `
    import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const results = [];
    for (const { name, content } of JSON.parse(input)) {
      const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
      if (parsed.value && parsed.context.errors.getErrors().length === 0) await convertWorkflowTemplate(parsed.context, parsed.value);
      results.push(parsed.context.errors.getErrors().map((e) => e.message));
    }
    process.stdout.write(JSON.stringify(results));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    input: JSON.stringify(workflows),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`workflow parser failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as string[][];
}
const validateWorkflow = (name: string, content: string) => validateWorkflows([{ name, content }])[0]!;

const GITHUB = ['pull-request.yml', 'apply.yml'] as const;

describe('GitHub Actions workflows', () => {
  it('both are valid workflows for GitHub’s own parser', () => {
    expect(validateWorkflows(GITHUB.map((file) => ({ name: file, content: read('github', file) })))).toEqual([[], []]);
  });

  it('the validator is not a rubber stamp: it rejects a misspelt key, trigger, expression and job reference', () => {
    const text = read('github', 'pull-request.yml');
    const broken = [
      text.replace('runs-on:', 'runs_on:'),
      text.replace('  pull_request:', '  pull_requests:'),
      text.replace('${{ github.token }}', '${{ github.token ) }}'),
      text.replace('needs: lint', 'needs: lnt'),
    ];
    const errors = validateWorkflows(broken.map((content, i) => ({ name: `broken-${i}.yml`, content })));
    for (const e of errors) expect(e).not.toEqual([]);
  });

  const pr = parseYaml(read('github', 'pull-request.yml')) as Workflow;
  const steps = (job: Job) => job.steps;
  const runs = (job: Job) => steps(job).map((s) => s.run ?? '').join('\n');

  it('pull request: lint (annotations), then plan with secrets from the repository', () => {
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
    for (const job of Object.values(pr.jobs)) {
      expect(steps(job)[0]?.uses).toMatch(/^actions\/checkout@v\d+$/);
      const node = steps(job).find((s) => s.uses?.startsWith('actions/setup-node@'));
      expect(String(node?.with?.['node-version'])).toBe('20');
      expect(runs(job)).toContain('npm ci');
    }
    expect(runs(pr.jobs.lint!)).toContain('npx dwctl lint --format github');
    expect(pr.jobs.plan!.needs).toBe('lint');
    expect(pr.jobs.plan!.env).toMatchObject({
      POSTHOG_PERSONAL_API_KEY: '${{ secrets.POSTHOG_PERSONAL_API_KEY }}',
      POSTHOG_PROJECT_ID: '${{ secrets.POSTHOG_PROJECT_ID }}',
    });
    // Every other variable in the plan job's environment is a secret or variable too, never a literal.
    for (const value of Object.values(pr.jobs.plan!.env!)) expect(value).toMatch(/^\$\{\{ (secrets|vars)\.[A-Z_]+ \}\}$/);
    expect(runs(pr.jobs.plan!)).toContain('npx dwctl plan --format markdown --detailed-exitcode --out plan.json > plan.md');
  });

  it('pull request: the plan goes to the job summary, one updatable comment and an artifact', () => {
    expect(pr.permissions['pull-requests']).toBe('write');
    const plan = pr.jobs.plan!;
    expect(runs(plan)).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(runs(plan)).toContain("echo '<!-- dwctl-plan -->'");
    const post = steps(plan).find((s) => s.name === 'Post or update the plan comment')!;
    expect(post.run).toContain('startswith("<!-- dwctl-plan -->")');
    expect(post.run).toMatch(/--method PATCH "repos\/\$GITHUB_REPOSITORY\/issues\/comments\/\$id"/);
    expect(post.run).toMatch(/--method POST "repos\/\$GITHUB_REPOSITORY\/issues\/\$PR\/comments"/);
    const upload = steps(plan).find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).toBe('always()');
    expect(String(upload.with?.path)).toContain('plan.json');
  });

  it('pull request: exit 2 is "changes pending" and passes; 1 and 3 fail the check, after the comment', () => {
    const plan = pr.jobs.plan!;
    const planStep = steps(plan).find((s) => s.id === 'plan')!;
    const comment = steps(plan).find((s) => s.name === 'Write the plan comment')!;
    const fail = steps(plan).find((s) => s.name === 'Fail on plan errors')!;
    expect(steps(plan).indexOf(fail)).toBe(steps(plan).length - 1);
    expect(fail.if).toBe("steps.plan.outputs.exitcode != '0' && steps.plan.outputs.exitcode != '2'");
    const bin = fakeNpx();
    for (const [code, summary] of [
      [0, 'no changes'],
      [1, 'blocked by errors'],
      [2, 'changes pending'],
      [3, 'could not run (exit 3)'],
    ] as const) {
      const dir = tempDir();
      const env = {
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_CODE: String(code),
        GITHUB_OUTPUT: join(dir, 'output'),
        GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      };
      // As GitHub runs a `run:` step on Linux: bash -e -o pipefail.
      writeFileSync(join(dir, 'plan.sh'), withoutExpressions(planStep.run!));
      const step = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', 'plan.sh'], { cwd: dir, env, encoding: 'utf8' });
      expect(step.status, step.stderr).toBe(0); // the plan step itself never fails: it records the code
      expect(readFileSync(join(dir, 'output'), 'utf8')).toBe(`exitcode=${code}\n`);
      expect(readFileSync(join(dir, 'plan.md'), 'utf8')).toBe('### dwctl plan: fake\n');
      expect(step.stdout.includes('::error'), step.stdout).toBe(code === 1 || code === 3);

      writeFileSync(join(dir, 'comment.sh'), withoutExpressions(comment.run!));
      const written = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', 'comment.sh'], {
        cwd: dir,
        env: { ...env, EXIT_CODE: String(code), RUN_URL: 'https://github.example/run/1' },
        encoding: 'utf8',
      });
      expect(written.status, written.stderr).toBe(0);
      const body = readFileSync(join(dir, 'comment.md'), 'utf8');
      expect(body.startsWith('<!-- dwctl-plan -->\n')).toBe(true);
      expect(body).toContain(summary);
      expect(body).toContain('### dwctl plan: fake');
      expect(readFileSync(join(dir, 'summary'), 'utf8')).toBe(body);
    }
  });

  const HAVE_JQ = spawnSync('jq', ['--version']).status === 0;
  it.skipIf(!HAVE_JQ)('pull request: the comment step edits its own marked comment, else posts one (gh api faked, jq real)', () => {
    const post = steps(pr.jobs.plan!).find((s) => s.name === 'Post or update the plan comment')!;
    const bin = join(tempDir(), 'bin');
    mkdirSync(bin);
    // A stand-in for `gh api`: logs its arguments; a GET lists $GH_COMMENTS through the real jq with --jq's filter.
    writeFileSync(
      join(bin, 'gh'),
      `#!/bin/bash
echo "$*" >> "$GH_LOG"
method=GET; filter=.
while [ $# -gt 0 ]; do case "$1" in --method) method=$2; shift;; --jq) filter=$2; shift;; esac; shift; done
if [ "$method" = GET ]; then jq -r "$filter" "$GH_COMMENTS"; else echo '{}'; fi
`,
    );
    chmodSync(join(bin, 'gh'), 0o755);
    const bot = { login: 'github-actions[bot]' };
    const cases = [
      // Someone else's comment with the marker, and the bot's other comments, are not the plan comment.
      { comments: [{ id: 1, user: { login: 'mallory' }, body: '<!-- dwctl-plan -->\nfake' }, { id: 2, user: bot, body: 'hello' }], expect: 'api --method POST repos/o/r/issues/5/comments -F body=@comment.md' },
      { comments: [{ id: 3, user: bot, body: 'hello' }, { id: 9, user: bot, body: '<!-- dwctl-plan -->\nold plan' }], expect: 'api --method PATCH repos/o/r/issues/comments/9 -F body=@comment.md' },
    ];
    for (const c of cases) {
      const dir = tempDir();
      writeFileSync(join(dir, 'comments.json'), JSON.stringify(c.comments));
      writeFileSync(join(dir, 'comment.md'), '<!-- dwctl-plan -->\nnew plan\n');
      writeFileSync(join(dir, 'post.sh'), withoutExpressions(post.run!));
      const env = { PATH: `${bin}:${process.env.PATH}`, GH_LOG: join(dir, 'gh.log'), GH_COMMENTS: join(dir, 'comments.json'), GITHUB_REPOSITORY: 'o/r', PR: '5', GH_TOKEN: 't' };
      const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', 'post.sh'], { cwd: dir, env, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const log = readFileSync(join(dir, 'gh.log'), 'utf8').trim().split('\n');
      expect(log).toHaveLength(2);
      expect(log[0]).toMatch(/^api --paginate repos\/o\/r\/issues\/5\/comments --jq /);
      expect(log[1]).toBe(c.expect);
    }
  });

  it('every run: script is valid bash', () => {
    for (const workflow of [pr, parseYaml(read('github', 'apply.yml')) as Workflow]) {
      for (const job of Object.values(workflow.jobs)) {
        for (const step of job.steps.filter((s) => s.run)) {
          const check = spawnSync('bash', ['-n'], { input: withoutExpressions(step.run!), encoding: 'utf8' });
          expect(check.status, `${step.name ?? step.run}: ${check.stderr}`).toBe(0);
        }
      }
    }
  });

  const apply = parseYaml(read('github', 'apply.yml')) as Workflow;

  it('apply: on push to main, serialised, never cancelled half-way', () => {
    expect(apply.on.push).toMatchObject({ branches: ['main'] });
    expect(apply.concurrency).toEqual({ group: 'dwctl-apply', 'cancel-in-progress': false });
    expect(apply.permissions).toEqual({ contents: 'read' });
  });

  it('apply: plans, applies that plan with --yes, keeps the JSON result as an artifact', () => {
    const job = apply.jobs.apply!;
    const script = runs(job);
    expect(script).toContain('npx dwctl plan --format markdown --out plan.json > plan.md');
    expect(script).toContain('npx dwctl apply plan.json --yes --format json > apply.json');
    expect(script.indexOf('dwctl plan')).toBeLessThan(script.indexOf('dwctl apply'));
    const upload = steps(job).find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).toBe('always()');
    expect(String(upload.with?.path)).toContain('apply.json');
    // The commented alternative applies the artifact reviewed in the pull request.
    const text = read('github', 'apply.yml');
    expect(text).toMatch(/^\s*# +gh run download "\$run" --name dwctl-plan$/m);
    expect(text).toMatch(/^\s*# +run: npx dwctl apply plan.json --yes --format json > apply.json$/m);
  });

  it('the alternative in apply.yml, uncommented, is a valid workflow too', () => {
    const lines = read('github', 'apply.yml').split('\n');
    const start = lines.findIndex((l) => l.includes('# - name: Download the plan reviewed'));
    const end = lines.findIndex((l, i) => i > start && !l.trimStart().startsWith('#'));
    const alternative = lines.slice(start, end).map((l) => l.replace(/^(\s*)# ?/, '$1'));
    const planStart = lines.findIndex((l) => l.includes('- name: dwctl plan'));
    const planEnd = lines.findIndex((l, i) => i > planStart && l.includes('# Add --wait'));
    const variant = [...lines.slice(0, planStart), ...alternative, ...lines.slice(planEnd + 1)].join('\n').replace('# actions: read', 'actions: read');
    expect(validateWorkflow('apply-reviewed.yml', variant)).toEqual([]);
    const job = (parseYaml(variant) as Workflow).jobs.apply!;
    expect(job.steps.map((s) => s.name).filter(Boolean)).toContain('dwctl apply (reviewed plan)');
    expect(runs(job)).not.toContain('dwctl plan');
  });
});

// ---------------------------------------------------------------------------------------------------------
// GitLab CI

interface GitlabJob {
  stage: string;
  rules?: { if?: string; changes?: string[] }[];
  script: string[];
  resource_group?: string;
  artifacts?: { when?: string; paths?: string[]; reports?: Record<string, string> };
}

describe('GitLab CI pipeline', () => {
  const gitlab = parseYaml(read('gitlab', '.gitlab-ci.yml')) as Record<string, unknown> & {
    stages: string[];
    workflow: { rules: { if: string }[] };
    default: { image: string; before_script: string[] };
  };
  const jobs = Object.fromEntries(
    Object.entries(gitlab).filter(([, v]) => typeof v === 'object' && v !== null && 'script' in v),
  ) as Record<string, GitlabJob>;
  const bin = fakeNpx();

  /** A job's script as GitLab's shell runs it: one bash script, exiting at the first failing line. */
  function runJob(job: GitlabJob, env: Record<string, string>, cwd = tempDir()) {
    writeFileSync(join(cwd, 'job.sh'), job.script.join('\n'));
    return { cwd, ...spawnSync('bash', ['-eo', 'pipefail', 'job.sh'], { cwd, env: { PATH: `${bin}:${process.env.PATH}`, ...env }, encoding: 'utf8' }) };
  }

  it('every job script is valid bash', () => {
    for (const [name, job] of Object.entries(jobs)) {
      const check = spawnSync('bash', ['-n'], { input: [...gitlab.default.before_script, ...job.script].join('\n'), encoding: 'utf8' });
      expect(check.status, `${name}: ${check.stderr}`).toBe(0);
    }
  });

  it('has the stages lint, plan, apply, in that order, and every job in one of them', () => {
    expect(gitlab.stages).toEqual(['lint', 'plan', 'apply']);
    expect(Object.keys(jobs).sort()).toEqual(['apply', 'lint', 'plan']);
    for (const job of Object.values(jobs)) expect(gitlab.stages).toContain(job.stage);
    expect(gitlab.default.image).toBe('node:20');
    expect(gitlab.default.before_script.join('\n')).toContain('npm ci');
    expect(gitlab.workflow.rules.map((r) => r.if)).toContain('$CI_PIPELINE_SOURCE == "merge_request_event"');
  });

  it('lint: offline, fails on errors, and turns the diagnostics into a Code Quality report', async () => {
    const lint = jobs.lint!;
    expect(lint.rules).toBeUndefined(); // in every pipeline
    expect(lint.script.at(-1)).toBe('npx dwctl lint');
    expect(lint.artifacts?.reports?.codequality).toBe('gl-code-quality-report.json');
    expect(lint.artifacts?.when).toBe('always');
    // Run the report conversion on a real lint result.
    const dir = tempDir();
    writeFileSync(
      join(dir, 'warehouse.yaml'),
      'version: 1\nsources:\n  shop_db:\n    type: Postgres\n    prefix: shop\n    config:\n      host: db\n      port: 5432\n      database: shop\n      user: u\n      password: hunter2\n    tables:\n      orders: { sync: full_refresh, frequncy: 1hour }\n',
    );
    const linted = await runCli(['lint', '--format', 'json'], { cwd: dir });
    expect(linted.exitCode).toBe(1);
    writeFileSync(join(dir, 'dwctl-lint.json'), linted.stdout);
    const convert = lint.script.find((line) => line.includes('gl-code-quality-report.json'))!;
    execFileSync('bash', ['-eo', 'pipefail', '-c', convert], { cwd: dir });
    const report = JSON.parse(readFileSync(join(dir, 'gl-code-quality-report.json'), 'utf8')) as Record<string, unknown>[];
    const diagnostics = (JSON.parse(linted.stdout) as { diagnostics: { code: string; line: number }[] }).diagnostics;
    expect(report).toHaveLength(diagnostics.length);
    expect(report.map((i) => i.check_name)).toEqual(diagnostics.map((d) => `dwctl/${d.code}`));
    for (const issue of report) {
      expect(issue).toMatchObject({ type: 'issue', location: { path: 'warehouse.yaml' } });
      expect(['info', 'minor', 'major', 'critical', 'blocker']).toContain(issue.severity);
      expect(issue.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(report.find((i) => i.check_name === 'dwctl/plaintext-secret')).toMatchObject({ severity: 'major', location: { lines: { begin: 11 } } });
    expect(new Set(report.map((i) => i.fingerprint)).size).toBe(report.length);
    // A lint that could not run (exit 3: {"error": …} on stdout) yields an empty report, not a crash.
    writeFileSync(join(dir, 'dwctl-lint.json'), '{"error": {"code": "file-not-found", "message": "x"}}');
    execFileSync('bash', ['-eo', 'pipefail', '-c', convert], { cwd: dir });
    expect(JSON.parse(readFileSync(join(dir, 'gl-code-quality-report.json'), 'utf8'))).toEqual([]);
  });

  it('plan: only in merge requests; exit 2 passes as "changes pending", 1 and 3 fail', () => {
    const plan = jobs.plan!;
    expect(plan.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    expect(plan.script[0]).toBe('npx dwctl plan --format markdown --detailed-exitcode --out plan.json > plan.md && code=0 || code=$?');
    expect(plan.artifacts).toMatchObject({ when: 'always', paths: ['plan.md', 'plan.json'] });
    for (const [code, jobExit, says] of [
      [0, 0, 'No changes'],
      [1, 1, 'blocked by errors'],
      [2, 0, 'Changes pending'],
      [3, 1, 'could not run'],
    ] as const) {
      const run = runJob(plan, { FAKE_CODE: String(code) });
      expect(run.status, `${code}: ${run.stdout}${run.stderr}`).toBe(jobExit);
      expect(run.stdout).toContain('### dwctl plan: fake');
      expect(run.stdout).toContain(says);
    }
  });

  it('plan: with DWCTL_GITLAB_TOKEN, posts the plan as one merge-request note and then updates it', async () => {
    const requests: { method: string; url: string; token: string | undefined; body: string }[] = [];
    const notes: { id: number; body: string }[] = [{ id: 1, body: 'LGTM' }];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, token: req.headers['private-token'] as string | undefined, body });
        if (req.method === 'GET') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(notes));
          return;
        }
        const text = (JSON.parse(body) as { body: string }).body;
        if (req.method === 'POST') notes.push({ id: 7, body: text });
        else notes.find((n) => req.url!.endsWith(`/notes/${n.id}`))!.body = text;
        res.statusCode = req.method === 'POST' ? 201 : 200;
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const env = {
        DWCTL_GITLAB_TOKEN: 'glpat-test',
        CI_API_V4_URL: `http://127.0.0.1:${port}/api/v4`,
        CI_PROJECT_ID: '42',
        CI_MERGE_REQUEST_IID: '5',
        CI_PIPELINE_URL: 'https://gitlab.example/p/1',
      };
      // Asynchronously: the job talks to this process's server.
      const run = (code: number) => {
        const dir = tempDir();
        writeFileSync(join(dir, 'job.sh'), jobs.plan!.script.join('\n'));
        return spawnAsync('bash', ['-eo', 'pipefail', 'job.sh'], dir, { PATH: `${bin}:${process.env.PATH}`, FAKE_CODE: String(code), ...env });
      };
      expect(await run(2)).toBe(0);
      expect(await run(0)).toBe(0);
      expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'GET /api/v4/projects/42/merge_requests/5/notes?per_page=100&sort=asc',
        'POST /api/v4/projects/42/merge_requests/5/notes',
        'GET /api/v4/projects/42/merge_requests/5/notes?per_page=100&sort=asc',
        'PUT /api/v4/projects/42/merge_requests/5/notes/7',
      ]);
      expect(requests.every((r) => r.token === 'glpat-test')).toBe(true);
      expect(notes).toHaveLength(2);
      expect(notes[1]!.body).toMatch(/^<!-- dwctl-plan -->\n\*\*dwctl plan\*\*: no changes/);
      expect(notes[1]!.body).toContain('### dwctl plan: fake');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('apply: on the default branch only, serialised by a resource_group, plan then apply --yes', () => {
    const apply = jobs.apply!;
    expect(apply.resource_group).toBe('dwctl-apply');
    expect(apply.rules!.length).toBeGreaterThan(0);
    for (const rule of apply.rules!) expect(rule.if).toContain('$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH');
    expect(apply.script).toEqual(['npx dwctl plan --out plan.json', 'npx dwctl apply plan.json --yes --format json > apply.json']);
    expect(apply.artifacts).toMatchObject({ when: 'always', paths: ['plan.json', 'apply.json'] });
    // A failed plan stops the job before apply.
    const failed = runJob(apply, { FAKE_CODE: '1' });
    expect(failed.status).toBe(1);
    expect(readdirSync(failed.cwd)).not.toContain('apply.json');
  });
});

function spawnAsync(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

// ---------------------------------------------------------------------------------------------------------
// pre-commit

const preCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
const HAVE_PRE_COMMIT = preCommit.status === 0;
if (!HAVE_PRE_COMMIT && process.env.CI) throw new Error('pre-commit is not installed (apt-get install pre-commit); CI must run this test for real');

describe('pre-commit config', () => {
  const published = parseYaml(readFileSync(join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as { id: string; files: string; entry: string }[];
  const text = read('pre-commit-config.yaml');
  const config = parseYaml(text) as { repos: { repo: string; rev: string; hooks: { id: string }[] }[] };

  it('uses only hook ids this repository publishes', () => {
    const ids = new Set(published.map((h) => h.id));
    expect(config.repos).toHaveLength(1);
    const [repo] = config.repos;
    expect(repo!.repo).toMatch(/^https:\/\/github\.com\/[^/]+\/dwctl$/);
    expect(repo!.rev).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(repo!.hooks.map((h) => h.id)).toEqual(['dwctl-lint']);
    for (const hook of repo!.hooks) expect(ids).toContain(hook.id);
    // The commented alternative hook is a published one too.
    expect(text).toMatch(/^ {6}# - id: dwctl-lint-system$/m);
    expect(ids).toContain('dwctl-lint-system');
  });

  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.includes('# - repo: local'));
  const localConfig = ['repos:', ...lines.slice(start).filter((l) => l.trimStart().startsWith('#')).map((l) => l.replace(/^(\s*)# ?/, '$1'))].join('\n');

  it.skipIf(!HAVE_PRE_COMMIT)('pre-commit itself accepts the config, its local variant and the published hooks', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'local.yaml'), localConfig);
    const validate = (...args: string[]) => spawnSync('pre-commit', args, { cwd: REPO_ROOT, encoding: 'utf8' });
    for (const result of [
      validate('validate-config', join(CI_DIR, 'pre-commit-config.yaml')),
      validate('validate-config', join(dir, 'local.yaml')),
      validate('validate-manifest', join(REPO_ROOT, '.pre-commit-hooks.yaml')),
    ]) {
      expect(result.status, result.stdout + result.stderr).toBe(0);
    }
    // And it is not a rubber stamp.
    writeFileSync(join(dir, 'bad.yaml'), text.replace('- id: dwctl-lint\n', '- idd: dwctl-lint\n'));
    expect(validate('validate-config', join(dir, 'bad.yaml')).status).not.toBe(0);
  });

  it('the commented local hook, uncommented, is a valid config using the project’s own dwctl', () => {
    const parsed = parseYaml(localConfig) as { repos: { repo: string; hooks: Record<string, unknown>[] }[] };
    const hook = parsed.repos[0]!.hooks[0]!;
    expect(parsed.repos[0]!.repo).toBe('local');
    expect(hook).toMatchObject({ id: 'dwctl-lint', entry: 'npx --no-install dwctl lint', language: 'system', pass_filenames: true });
    // It lints the same files as the published hook.
    expect(hook.files).toBe(published.find((h) => h.id === 'dwctl-lint')!.files);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Every dwctl invocation and exit code in the recipes

/** Split a shell command line into words (quotes respected; stops at redirections, pipes and comments). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | null = null;
  let started = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) words.push(current);
      current = '';
      started = false;
    } else if ('|&;<>#'.includes(ch) && !started) {
      break;
    } else if ('|&;<>'.includes(ch)) {
      // `2>`: the digits are the redirection's file descriptor, not an argument.
      if (!(ch === '>' && /^\d+$/.test(current))) words.push(current);
      return words;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) words.push(current);
  return words;
}

/** `dwctl …` invocations: `npx dwctl`, `npx --no-install dwctl` and hook `entry: dwctl …`, comments included. */
function dwctlInvocations(text: string): { line: number; argv: string[] }[] {
  const found: { line: number; argv: string[] }[] = [];
  text.split('\n').forEach((raw, index) => {
    for (const m of raw.matchAll(/(?:npx (?:--no-install )?|entry: )dwctl((?:\s[^\n]*)?)$/g)) {
      found.push({ line: index + 1, argv: shellWords(m[1]!) });
    }
  });
  return found;
}

const CONTEXT = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: {}, colorDepth: 1, cwd: REPO_ROOT, isTTY: false } as unknown as DwctlContext;

/** Parse argv exactly as the binary does; returns the problem, or null when dwctl accepts it. */
function cliProblem(argv: string[]): string | null {
  const cli = createCli();
  try {
    const command = cli.process(argv, CONTEXT);
    if (command.constructor.name === 'HelpCommand' && !argv.includes('--help') && !argv.includes('-h')) return 'not a dwctl command';
    return null;
  } catch (error) {
    return (error as Error).message.split('\n')[0]!;
  }
}

describe('dwctl invocations in the recipes', () => {
  const files = recipeFiles().filter((f) => /\.(ya?ml)$/.test(f));
  const all = files.flatMap((file) => dwctlInvocations(read(file)).map((inv) => ({ file, ...inv })));

  it('finds the invocations (so the checks below check something)', () => {
    expect(files.sort()).toEqual(['github/apply.yml', 'github/pull-request.yml', 'gitlab/.gitlab-ci.yml', 'pre-commit-config.yaml']);
    const commands = new Set(all.map((i) => i.argv[0]));
    expect([...commands].sort()).toEqual(['apply', 'lint', 'plan']);
    expect(all.length).toBeGreaterThanOrEqual(12);
  });

  it('the helper catches a typo’d flag, a bad format and an unknown command', () => {
    expect(cliProblem(['plan', '--detailed-exit-code'])).toMatch(/Unsupported option name/);
    expect(cliProblem(['lint', '--format', 'githib'])).toMatch(/Invalid value for --format/);
    expect(cliProblem(['aply', '--yes'])).toMatch(/Command not found/);
    expect(dwctlInvocations('  run: npx dwctl plan --format markdown --out plan.json > plan.md 2> plan.err')).toEqual([
      { line: 1, argv: ['plan', '--format', 'markdown', '--out', 'plan.json'] },
    ]);
    expect(dwctlInvocations('x\n# npx dwctl status --watch --count 2 --format "json" 2>/dev/null | tee s.json')).toEqual([
      { line: 2, argv: ['status', '--watch', '--count', '2', '--format', 'json'] },
    ]);
  });

  it.each(all.map((i) => [`${i.file}:${i.line}`, i.argv] as const))('%s: dwctl %s is accepted by the CLI', (_where, argv) => {
    expect(cliProblem([...argv])).toBeNull();
  });

  it('branches only on documented exit codes, and handles every one of them for plan --detailed-exitcode', () => {
    const documented = documentedExitCodes();
    expect([...documented].sort()).toEqual([0, 1, 2, 3]);
    for (const file of files) {
      const text = read(file);
      const codes = [
        ...[...text.matchAll(/exitcode (?:==|!=) '(\d+)'/g)].map((m) => Number(m[1])),
        ...[...text.matchAll(/^\s*(\d+)\) /gm)].map((m) => Number(m[1])),
        ...[...text.matchAll(/"(\d+)": "/g)].map((m) => Number(m[1])),
        ...[...text.matchAll(/exit_codes:\s*\[?([\d, ]+)/g)].flatMap((m) => m[1]!.split(',').map(Number)),
      ];
      for (const code of codes) expect(documented, `${file}: exit code ${code}`).toContain(code);
    }
    for (const file of ['github/pull-request.yml', 'gitlab/.gitlab-ci.yml']) {
      const caseCodes = new Set([...read(file).matchAll(/^\s*(\d+)\) /gm)].map((m) => Number(m[1])));
      expect([...caseCodes].sort(), file).toEqual([0, 1, 2, 3]);
    }
  });
});
