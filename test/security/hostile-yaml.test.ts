/**
 * A hostile warehouse.yaml (it arrives in pull requests) through `lint` and `plan` in every format: keys and
 * values carrying ESC/BEL sequences, C1 and bidi characters, CR/LF with forged `::error` commands, lone code
 * fences, markdown links, images, HTML and mentions. Plans run against the emulator over its socket.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { runChecked, startWorld, type World } from '../helpers/world.js';
import { SHOP_SOURCE } from '../e2e/apply-helpers.js';
import { HOSTILE, HOSTILE_ALL, expectMarkdownSafe, expectTerminalSafe, yamlQuoted } from './hostile.js';

const q = yamlQuoted;

/** Files whose diagnostics quote hostile keys and values. */
const CORPUS: Record<string, string> = {
  'a key with a newline and a forged workflow command': `version: 1\n${q(HOSTILE.workflow)}: 1\nsources: {}\n`,
  'a source type made of every attack': `version: 1\nsources:\n  shop:\n    type: ${q(HOSTILE_ALL)}\n    prefix: shop_\n    config: {}\n    tables: {}\n`,
  'hostile table names and sync values': `version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
    config: { host: h, port: 5432, database: d, user: u, password: "\${SHOP_DB_PASSWORD}" }
    tables:
      ${q(HOSTILE.fence)}: { sync: ${q(HOSTILE.title)} }
      ${q(HOSTILE.html + HOSTILE.link)}: { sync: ${q(HOSTILE.workflowV1)} }
      ${q(HOSTILE.bidi + HOSTILE.pipe)}: { sync: full_refresh, bogus: ${q(HOSTILE.clear)} }
`,
  'raw control bytes and a workflow command line in the file itself': `version: 1
sources:
  shop_db:
    type: Post\u202egres\u001b]0;pwned\u0007
    description: |
      ::error file=a,line=1::forged from a block scalar
    prefix: shop_
`,
  'a 20,000-character line': `version: 1\nsources:\n  shop_db:\n    type: ${'Q'.repeat(10_000)}\u001b[2J${'Z'.repeat(10_000)}\n`,
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dwctl-hostile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(Object.entries(CORPUS))('lint on %s', (_name, yaml) => {
  const lint = async (format: string) => {
    await writeFile(join(dir, 'warehouse.yaml'), yaml);
    return runCli(['lint', '--format', format], { cwd: dir });
  };

  it('text: nothing raw, no forged command, code frames clipped', async () => {
    const r = await lint('text');
    expect(r.exitCode).toBe(1);
    expectTerminalSafe(r.stdout + r.stderr, 'lint text');
    for (const line of r.stdout.split('\n')) expect(line.length, 'a code-frame line was not clipped').toBeLessThan(400 + 200);
  });

  it('github: only dwctl\'s own annotations, one per diagnostic, also in the text report after them', async () => {
    const r = await lint('github');
    expect(r.exitCode).toBe(1);
    expectTerminalSafe(r.stdout + r.stderr, 'lint github', { annotations: true });
    const json = JSON.parse((await lint('json')).stdout) as { diagnostics: unknown[] };
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::'))).toHaveLength(json.diagnostics.length);
  });

  it.each(['json', 'sarif'])('%s: valid JSON with nothing raw', async (format) => {
    const r = await lint(format);
    expectTerminalSafe(r.stdout, `lint ${format}`);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });
});

describe('plan on a hostile file, every format, against the emulator', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world.close();
  });

  /** A file that passes lint: the hostile description reaches the plan's changes (the diff in a code fence). */
  const clean = `version: 1\nsources:\n${SHOP_SOURCE.replace('description: Shop database', `description: ${q(HOSTILE_ALL)}`)}`;
  /** A file lint blocks: the hostile names reach the plan's diagnostics. */
  const blocked = CORPUS['hostile table names and sync values']!.replace('host: h, port: 5432', 'host: "${DB_HOST}", port: "${DB_PORT}"');

  it.each([
    ['changes', clean],
    ['diagnostics', blocked],
  ])('keeps hostile %s inert in text, github, markdown and json', async (_what, yaml) => {
    await world.write(yaml);
    for (const format of ['text', 'github', 'markdown', 'json']) {
      const r = await runChecked(world, ['plan', '--format', format]);
      expect([0, 1], `${format}: ${r.stderr}`).toContain(r.exitCode);
      if (format === 'markdown') expectMarkdownSafe(r.stdout, 'plan markdown');
      else expectTerminalSafe(r.stdout, `plan ${format}`, { annotations: format === 'github' });
      expectTerminalSafe(r.stderr, `plan ${format} stderr`);
      if (format === 'json') expect(() => JSON.parse(r.stdout)).not.toThrow();
    }
  });

  it('shows the hostile description escaped in the diff, not dropped', async () => {
    await world.write(clean);
    const r = await runChecked(world, ['plan']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('\\\\u001b]0;pwned\\\\u0007');
    const md = await runChecked(world, ['plan', '--format', 'markdown']);
    // The lone ``` is in the diff, inside a longer fence, and the rest of the comment is outside it.
    expect(md.stdout).toMatch(/^````+diff$/m);
  });
});
