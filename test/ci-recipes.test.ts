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
import { createFullCli } from '../src/cli/main.js';

const FULL_CLI = await createFullCli();
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

  it('pull request: lint (annotations), then a read-only plan that sees no write key and no source credential', () => {
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
    for (const job of [pr.jobs.lint!, pr.jobs.plan!]) {
      expect(steps(job).find((s) => s.uses?.startsWith('actions/checkout@'))?.uses).toMatch(/^actions\/checkout@v\d+$/);
      const node = steps(job).find((s) => s.uses?.startsWith('actions/setup-node@'));
      expect(String(node?.with?.['node-version'])).toBe('20');
      expect(runs(job)).toContain('npm ci');
    }
    expect(runs(pr.jobs.lint!)).toContain('npx dwctl lint --format github');
    expect(pr.jobs.plan!.needs).toBe('lint');
    // Least privilege: the read-only key, the project, the host, and nothing else (no database password).
    expect(pr.jobs.plan!.env).toEqual({
      POSTHOG_PERSONAL_API_KEY: '${{ secrets.POSTHOG_READONLY_API_KEY }}',
      POSTHOG_PROJECT_ID: '${{ secrets.POSTHOG_PROJECT_ID }}',
      POSTHOG_HOST: '${{ vars.POSTHOG_HOST }}',
      FORK: '${{ github.event.pull_request.head.repo.full_name != github.repository }}',
    });
    expect(read('github', 'pull-request.yml')).not.toMatch(/secrets\.(?!POSTHOG_READONLY_API_KEY\b|POSTHOG_PROJECT_ID\b)[A-Z]/);
    // `--read-only` comes with the plan rewrite (contract §3, second wave): checked as written, not run here.
    expect(runs(pr.jobs.plan!)).toContain('npx dwctl plan --read-only --format markdown --detailed-exitcode --out plan.json > plan.md');
  });

  it('pull request: the required "dwctl plan" check is never skipped, and fails on a fork with a summary saying no plan ran', () => {
    const plan = pr.jobs.plan!;
    expect((plan as Job & { name?: string }).name).toBe('dwctl plan');
    // Runs after lint whatever lint's result (a job skipped because lint failed would count as passed).
    expect(plan.if).toBe('${{ !cancelled() }}');
    const guard = steps(plan)[0]!;
    expect(guard.if).toBe("env.FORK == 'true'");
    const dir = tempDir();
    writeFileSync(join(dir, 'guard.sh'), withoutExpressions(guard.run!));
    const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', 'guard.sh'], { cwd: dir, env: { PATH: process.env.PATH, GITHUB_STEP_SUMMARY: join(dir, 'summary') }, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^::error title=dwctl plan::Not planned/m);
    expect(readFileSync(join(dir, 'summary'), 'utf8')).toMatch(/^### dwctl plan did not run\n/);
    // Every later step is skipped after the failing guard: none of them runs on always().
    for (const step of steps(plan).slice(1)) {
      if (step.if?.includes('always()')) expect(step.if, step.name).toMatch(/steps\.plan\.outputs\.exitcode != ''|env\.FORK != 'true'/);
    }
  });

  it('pull request: a fork gets an explicit lint-only result under its own name, which passes only when lint does', () => {
    const lintOnly = pr.jobs['lint-only']! as Job & { name?: string };
    expect(lintOnly.name).toBe('dwctl lint-only (fork)');
    expect(lintOnly.name).not.toBe((pr.jobs.plan as Job & { name?: string }).name);
    expect(lintOnly.if).toBe('${{ !cancelled() && github.event.pull_request.head.repo.full_name != github.repository }}');
    expect(lintOnly.needs).toBe('lint');
    const step = lintOnly.steps[0]!;
    for (const [result, status] of [['success', 0], ['failure', 1]] as const) {
      const dir = tempDir();
      writeFileSync(join(dir, 'summary.sh'), withoutExpressions(step.run!));
      const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', 'summary.sh'], { cwd: dir, env: { PATH: process.env.PATH, GITHUB_STEP_SUMMARY: join(dir, 'summary'), LINT_RESULT: result }, encoding: 'utf8' });
      expect(run.status, result).toBe(status);
      const summary = readFileSync(join(dir, 'summary'), 'utf8');
      expect(summary).toContain('The plan did **not** run');
      expect(summary).toContain(result === 'success' ? 'Lint passed.' : 'Lint did not pass (failure).');
    }
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
    expect(upload.if).toBe("always() && env.FORK != 'true'");
    expect(String(upload.with?.path)).toContain('plan.json');
  });

  it('pull request: exit 2 is "changes pending" and passes; 1 and 3 fail the check, after the comment', () => {
    const plan = pr.jobs.plan!;
    const planStep = steps(plan).find((s) => s.id === 'plan')!;
    const comment = steps(plan).find((s) => s.name === 'Write the plan comment')!;
    const fail = steps(plan).find((s) => s.name === 'Fail on plan errors')!;
    expect(steps(plan).indexOf(fail)).toBe(steps(plan).length - 1);
    expect(fail.if).toBe("always() && steps.plan.outputs.exitcode != '' && steps.plan.outputs.exitcode != '0' && steps.plan.outputs.exitcode != '2'");
    const bin = fakeNpx();
    for (const [code, summary] of [
      [0, '(read-only): no changes'],
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

  it('apply: on push to main (or by hand), only on the default branch, in the protected environment, serialised', () => {
    expect(apply.on.push).toMatchObject({ branches: ['main'] });
    expect(apply.concurrency).toEqual({ group: 'dwctl-apply', 'cancel-in-progress': false });
    expect(apply.permissions).toEqual({ contents: 'read' });
    const job = apply.jobs.apply! as Job & { environment?: string };
    expect(job.environment).toBe('posthog');
    expect(job.if).toBe('github.ref_name == github.event.repository.default_branch');
    expect(job.env?.POSTHOG_PERSONAL_API_KEY).toBe('${{ secrets.POSTHOG_PERSONAL_API_KEY }}');
  });

  it('apply: plans, applies that plan with --yes, keeps the JSON result as an artifact', () => {
    const job = apply.jobs.apply!;
    const script = runs(job);
    expect(script).toContain('npx dwctl plan --format markdown --out plan.json $ROTATE > plan.md 2> plan.err');
    expect(script).toContain('npx dwctl apply plan.json --yes --format json $ROTATE > apply.json 2> apply.err');
    expect(script.indexOf('npx dwctl plan')).toBeLessThan(script.indexOf('npx dwctl apply'));
    expect(steps(job).find((s) => s.id === 'apply')!.if).toBe("steps.plan.outputs.exitcode == '0'");
    const upload = steps(job).find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).toBe('always()');
    expect(String(upload.with?.path)).toContain('apply.json');
    // The plan applied is made here, never downloaded from the pull request's run (a plan file is trusted input).
    const text = read('github', 'apply.yml');
    expect(text).not.toMatch(/gh run download|download-artifact/);
  });

  /** The apply job's steps from "Credentials to re-send" to "Job summary", run as GitHub would, with a fake npx. */
  function runApplyJob(options: { planCode: number; applyCode: number; rotate?: string; note?: string }) {
    const job = apply.jobs.apply!;
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // plan prints markdown and exits PLAN_CODE; apply prints a JSON result (with a note) and exits APPLY_CODE.
    writeFileSync(
      join(bin, 'npx'),
      `#!/bin/sh
echo "$*" >> "$NPX_LOG"
case "$2" in
  apply) cat "$APPLY_JSON"; echo "apply progress" >&2; exit "$APPLY_CODE" ;;
  *) echo "### dwctl plan: fake"; echo "plan progress" >&2; exit "$PLAN_CODE" ;;
esac
`,
    );
    chmodSync(join(bin, 'npx'), 0o755);
    const result = { format_version: 1, ok: options.applyCode === 0, results: [{ address: 'source.billing.webhook', action: 'create', status: 'applied', remote_id: null, error: null, ...(options.note ? { note: options.note } : {}) }] };
    writeFileSync(join(dir, 'result.json'), JSON.stringify(result));
    const outputs: Record<string, Record<string, string>> = {};
    const env = (step: Step): Record<string, string> => {
      // The step's env, with ${{ steps.X.outputs.Y }} and ${{ inputs.update_credentials }} evaluated.
      const evaluated = Object.fromEntries(
        Object.entries(step.env ?? {}).map(([k, v]) => [
          k,
          v.replace(/\$\{\{ steps\.(\w+)\.outputs\.(\w+) \}\}/, (_m, id: string, key: string) => outputs[id]?.[key] ?? '').replace('${{ inputs.update_credentials }}', options.rotate ?? ''),
        ]),
      );
      return { PATH: `${bin}:${process.env.PATH}`, NPX_LOG: join(dir, 'npx.log'), APPLY_JSON: join(dir, 'result.json'), PLAN_CODE: String(options.planCode), APPLY_CODE: String(options.applyCode), GITHUB_STEP_SUMMARY: join(dir, 'summary'), ...evaluated };
    };
    const condition = (step: Step) => {
      if (!step.if) return true;
      if (step.if === "steps.plan.outputs.exitcode == '0'") return outputs.plan?.exitcode === '0';
      if (step.if === "always() && steps.plan.outputs.exitcode != ''") return (outputs.plan?.exitcode ?? '') !== '';
      throw new Error(`teach runApplyJob the condition ${step.if}`);
    };
    const first = steps(job).findIndex((s) => s.id === 'rotate');
    const last = steps(job).findIndex((s) => s.name === 'Job summary');
    let failed = false;
    for (const step of steps(job).slice(first, last + 1)) {
      if (!step.run || failed || !condition(step)) continue;
      const output = join(dir, `output-${step.id ?? 'x'}`);
      writeFileSync(output, '');
      writeFileSync(join(dir, 'step.sh'), withoutExpressions(step.run));
      const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', 'step.sh'], { cwd: dir, env: { ...env(step), GITHUB_OUTPUT: output }, encoding: 'utf8' });
      if (step.id) outputs[step.id] = Object.fromEntries(readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      if (run.status !== 0) failed = step.name !== 'Job summary' ? true : (() => { throw new Error(`summary failed: ${run.stderr}`); })();
    }
    const read = (f: string) => { try { return readFileSync(join(dir, f), 'utf8'); } catch { return ''; } };
    return { outputs, failed, summary: read('summary'), npx: read('npx.log').trim().split('\n').filter(Boolean) };
  }

  const HAVE_JQ_APPLY = spawnSync('jq', ['--version']).status === 0;
  it.skipIf(!HAVE_JQ_APPLY)('apply: the job summary is written when the plan blocks, and carries apply\'s action-needed notes (jq real)', () => {
    const blocked = runApplyJob({ planCode: 1, applyCode: 0 });
    expect(blocked.failed).toBe(false); // the plan step records the code instead of ending the job early
    expect(blocked.outputs.plan).toEqual({ exitcode: '1' });
    expect(blocked.outputs.apply).toBeUndefined();
    expect(blocked.npx).toEqual(['dwctl plan --format markdown --out plan.json']);
    expect(blocked.summary).toMatch(/^### dwctl plan: :x: blocked by errors, nothing was applied\n\n### dwctl plan: fake\n/);
    expect(blocked.summary).toContain('plan progress');

    const note = 'Register the webhook by hand: https://us.posthog.com/webhooks/abc (`events`: charge.*) [x](https://evil)';
    const applied = runApplyJob({ planCode: 0, applyCode: 0, note });
    expect(applied.outputs.apply).toEqual({ exitcode: '0' });
    expect(applied.summary).toContain('### dwctl apply: every change applied');
    expect(applied.summary).toContain("#### Action needed\n\n```text\nsource.billing.webhook: Register the webhook by hand: https://us.posthog.com/webhooks/abc ('events': charge.*) [x](https://evil)\n```\n");

    const failedApply = runApplyJob({ planCode: 0, applyCode: 1 });
    expect(failedApply.summary).toContain(':x: a change failed');
    expect(failedApply.summary).toContain('apply progress');
    expect(failedApply.summary).not.toContain('Action needed');

    const couldNotRun = runApplyJob({ planCode: 3, applyCode: 0 });
    expect(couldNotRun.summary).toMatch(/^### dwctl plan: :x: could not run \(exit 3\), nothing was applied/);
    // The last step fails the job on any of these.
    const fail = steps(apply.jobs.apply!).at(-1)!;
    expect(fail.if).toBe("always() && (steps.plan.outputs.exitcode != '0' || steps.apply.outputs.exitcode != '0')");
    expect(fail.run).toBe('exit 1');
  });

  it('apply: a manual run rotates credentials: each checked name becomes --update-credentials NAME for plan and apply', () => {
    expect((apply.on.workflow_dispatch as { inputs: Record<string, { type: string }> }).inputs.update_credentials?.type).toBe('string');
    const rotated = runApplyJob({ planCode: 0, applyCode: 0, rotate: 'shop_db  billing' });
    expect(rotated.npx).toEqual([
      'dwctl plan --format markdown --out plan.json --update-credentials shop_db --update-credentials billing',
      'dwctl apply plan.json --yes --format json --update-credentials shop_db --update-credentials billing',
    ]);
    // An input that is not a source name stops the job before dwctl runs (no shell injection through it).
    for (const bad of ['shop_db;touch pwned', '$(touch pwned)', '--prune', 'Shop']) {
      const refused = runApplyJob({ planCode: 0, applyCode: 0, rotate: bad });
      expect(refused.failed, bad).toBe(true);
      expect(refused.npx, bad).toEqual([]);
    }
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

  it('plan: only in merge requests, with the read-only key; exit 2 passes as "changes pending", 1 and 3 fail', () => {
    const plan = jobs.plan!;
    expect(plan.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    expect(plan.script[0]).toBe('export POSTHOG_PERSONAL_API_KEY="$POSTHOG_READONLY_API_KEY"');
    expect(plan.script).toContain('npx dwctl plan --read-only --format markdown --detailed-exitcode --out plan.json > plan.md && code=0 || code=$?');
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

  it('plan: a merge request from a fork fails, saying no plan ran, without running dwctl', () => {
    const run = runJob(jobs.plan!, { FAKE_CODE: '0', CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '7', CI_MERGE_REQUEST_PROJECT_ID: '42' });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('dwctl plan did not run: this merge request comes from a fork');
    expect(run.stdout).not.toContain('### dwctl plan: fake');
    const same = runJob(jobs.plan!, { FAKE_CODE: '0', CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '42', CI_MERGE_REQUEST_PROJECT_ID: '42' });
    expect(same.status, same.stdout).toBe(0);
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
      expect(notes[1]!.body).toMatch(/^<!-- dwctl-plan -->\n\*\*dwctl plan\*\* \(read-only\): no changes/);
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
    expect(apply.script).toContain('npx dwctl plan --format markdown --out plan.json $rotate > plan.md && plan_code=0 || plan_code=$?');
    expect(apply.script).toContain('if [ "$plan_code" = 0 ]; then npx dwctl apply plan.json --yes --format json $rotate > apply.json && apply_code=0 || apply_code=$?; fi');
    expect(apply.artifacts).toMatchObject({ when: 'always', paths: ['plan.json', 'apply.json'] });
    // A blocked plan: printed, nothing applied, the job fails.
    const failed = runJob(apply, { FAKE_CODE: '1' });
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain('### dwctl plan: fake');
    expect(failed.stdout).toContain('dwctl plan exited 1: nothing was applied.');
    expect(readdirSync(failed.cwd)).not.toContain('apply.json');
  });

  it('apply: prints the notes to act on, fails on a failed apply, and rotates credentials from DWCTL_UPDATE_CREDENTIALS', () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const result = { format_version: 1, ok: true, results: [{ address: 'source.billing.webhook', status: 'applied', note: 'Register https://hooks.example/abc in Stripe' }] };
    writeFileSync(join(dir, 'result.json'), JSON.stringify(result));
    writeFileSync(join(bin, 'npx'), `#!/bin/sh\necho "$*" >> "$NPX_LOG"\ncase "$2" in apply) cat "${join(dir, 'result.json')}"; exit "$APPLY_CODE" ;; *) echo plan; exit 0 ;; esac\n`);
    chmodSync(join(bin, 'npx'), 0o755);
    const job = (code: number, rotate = '') => {
      const cwd = tempDir();
      writeFileSync(join(cwd, 'job.sh'), jobs.apply!.script.join('\n'));
      const log = join(cwd, 'npx.log');
      const run = spawnSync('bash', ['-eo', 'pipefail', 'job.sh'], { cwd, env: { PATH: `${bin}:${process.env.PATH}`, NPX_LOG: log, APPLY_CODE: String(code), DWCTL_UPDATE_CREDENTIALS: rotate }, encoding: 'utf8' });
      let calls: string[] = [];
      try { calls = readFileSync(log, 'utf8').trim().split('\n'); } catch { /* dwctl never ran */ }
      return { ...run, calls };
    };
    const ok = job(0, 'shop_db billing');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Action needed:\n  source.billing.webhook: Register https://hooks.example/abc in Stripe\n');
    expect(ok.calls).toEqual([
      'dwctl plan --format markdown --out plan.json --update-credentials shop_db --update-credentials billing',
      'dwctl apply plan.json --yes --format json --update-credentials shop_db --update-credentials billing',
    ]);
    const bad = job(1);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('Action needed:');
    expect(bad.stdout).toContain('dwctl apply did not complete (exit 1)');
    const injected = job(0, '$(touch pwned)');
    expect(injected.status).toBe(1);
    expect(injected.calls).toEqual([]);
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
  const config = parseYaml(text) as { repos: { repo: string; hooks: Record<string, unknown>[] }[] };

  it('is a local hook running the project’s own dwctl on the files the published hook checks', () => {
    expect(config.repos).toHaveLength(1);
    const [repo] = config.repos;
    expect(repo!.repo).toBe('local');
    expect(repo!.hooks).toHaveLength(1);
    expect(repo!.hooks[0]).toMatchObject({ id: 'dwctl-lint', entry: 'npx --no-install dwctl lint', language: 'system', pass_filenames: true });
    expect(repo!.hooks[0]!.files).toBe(published.find((h) => h.id === 'dwctl-lint')!.files);
    // dwctl has no public repository address yet: the file names none.
    expect(text).not.toMatch(/https:\/\/github\.com/);
  });

  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.includes("# - repo: <dwctl's git URL>"));
  const publishedConfig = ['repos:', ...lines.slice(start).filter((l) => l.trimStart().startsWith('#')).map((l) => l.replace(/^(\s*)# ?/, '$1'))]
    .join('\n')
    .replace("<dwctl's git URL>", 'https://git.example/dwctl.git');

  it('the commented alternative, uncommented, names only hooks this repository publishes', () => {
    const parsed = parseYaml(publishedConfig) as { repos: { repo: string; rev: string; hooks: { id: string }[] }[] };
    expect(parsed.repos[0]!.rev).toMatch(/^v\d+\.\d+\.\d+$/);
    const ids = new Set(published.map((h) => h.id));
    for (const hook of parsed.repos[0]!.hooks) expect(ids).toContain(hook.id);
  });

  it.skipIf(!HAVE_PRE_COMMIT)('pre-commit itself accepts the config, its commented alternative and the published hooks', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'published.yaml'), publishedConfig);
    const validate = (...args: string[]) => spawnSync('pre-commit', args, { cwd: REPO_ROOT, encoding: 'utf8' });
    for (const result of [
      validate('validate-config', join(CI_DIR, 'pre-commit-config.yaml')),
      validate('validate-config', join(dir, 'published.yaml')),
      validate('validate-manifest', join(REPO_ROOT, '.pre-commit-hooks.yaml')),
    ]) {
      expect(result.status, result.stdout + result.stderr).toBe(0);
    }
    // And it is not a rubber stamp.
    writeFileSync(join(dir, 'bad.yaml'), text.replace('- id: dwctl-lint\n', '- idd: dwctl-lint\n'));
    expect(validate('validate-config', join(dir, 'bad.yaml')).status).not.toBe(0);
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
  const cli = FULL_CLI;
  try {
    const command = cli.process(argv, CONTEXT);
    if (command.constructor.name === 'HelpCommand' && !argv.includes('--help') && !argv.includes('-h')) return 'not a dwctl command';
    return null;
  } catch (error) {
    return (error as Error).message.split('\n')[0]!;
  }
}

/**
 * Flags the contract adds (§3, "second wave") whose implementation lands in parallel with these recipes: a
 * recipe may use them before the CLI has them, and the check then parses the rest of the line. Once the CLI
 * knows a flag, it is parsed with the line like any other (and wrong usage fails).
 */
const PENDING_FLAGS: Record<string, string[]> = { '--update-credentials': ['plan', 'apply'] };

function withoutPendingFlags(argv: string[]): string[] {
  if (cliProblem(argv) === null) return argv;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word in PENDING_FLAGS && PENDING_FLAGS[word]!.includes(argv[0]!) && cliProblem([argv[0]!, word, ...(word === '--update-credentials' ? ['x'] : [])]) !== null) {
      if (word === '--update-credentials') i++;
      continue;
    }
    out.push(word);
  }
  return out;
}

describe('dwctl invocations in the recipes', () => {
  const files = recipeFiles().filter((f) => /\.(ya?ml)$/.test(f));
  const all = files.flatMap((file) => dwctlInvocations(read(file)).map((inv) => ({ file, ...inv })));

  it('finds the invocations (so the checks below check something)', () => {
    expect(files.sort()).toEqual(['github/apply.yml', 'github/pull-request.yml', 'gitlab/.gitlab-ci.yml', 'pre-commit-config.yaml']);
    const commands = new Set(all.map((i) => i.argv[0]));
    expect([...commands].sort()).toEqual(['apply', 'lint', 'plan']);
    expect(all.length).toBeGreaterThanOrEqual(11);
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
    // $ROTATE / $rotate hold the checked `--update-credentials NAME` words of a credential rotation.
    const expanded = argv.flatMap((word) => (/^\$(ROTATE|rotate)$/.test(word) ? ['--update-credentials', 'shop_db'] : [word]));
    expect(cliProblem(withoutPendingFlags(expanded))).toBeNull();
  });

  it('uses the pending flags only where they belong, and stops excusing them once the CLI has them', () => {
    const used = all.flatMap((i) => i.argv.filter((w) => w in PENDING_FLAGS).map((w) => `${i.argv[0]} ${w}`));
    expect(new Set(used)).toEqual(new Set());
    // plan --read-only has landed: the PR plans use it, and the CLI parses it like any other flag.
    expect(all.filter((i) => i.argv[0] === 'plan' && i.argv.includes('--read-only')).map((i) => i.file).sort()).toEqual(['github/pull-request.yml', 'gitlab/.gitlab-ci.yml']);
    expect(cliProblem(['plan', '--read-only'])).toBeNull();
    expect(all.some((i) => i.argv.includes('$ROTATE') && i.argv[0] === 'apply')).toBe(true);
    for (const [flag, commands] of Object.entries(PENDING_FLAGS)) {
      for (const command of commands) {
        const argv = [command, flag, ...(flag === '--update-credentials' ? ['shop_db'] : [])];
        if (cliProblem(argv) === null) continue; // implemented: the main check above parses it for real
        expect(cliProblem(argv), argv.join(' ')).toMatch(/Unsupported option name/);
      }
    }
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
