/**
 * `${file:}` may read files of the repository, but not git's own directory: CI checkouts keep credentials in it
 * (actions/checkout writes the job's token into .git/config by default), and a pull request could otherwise print
 * them through a field that is not secret (`user: ${file:.git/config}` shows up verbatim in the plan).
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReferencedFile } from '../../src/config/file-reference.js';
import { pathProblem } from '../../src/config/references.js';

const TOKEN = 'AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX2NoZWNrb3V0';
let repo: string;
beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'dwctl-gitdir-'));
  await mkdir(join(repo, '.git'));
  await writeFile(join(repo, '.git', 'config'), `[http "https://github.com/"]\n\textraheader = ${TOKEN}\n`);
  await mkdir(join(repo, 'infra'));
  await symlink(join(repo, '.git', 'config'), join(repo, 'infra', 'innocent.txt'));
  await writeFile(join(repo, 'infra', 'key.json'), '{}');
});
afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('${file:} never reads git\'s own directory', () => {
  it.each(['.git/config', './.git/config', '.GIT/config', 'infra/../.git/config', '.git\\config'])('refuses %s lexically (lint too)', (path) => {
    expect(pathProblem(path)).toMatch(/inside \.git/);
  });

  it('refuses .git/config from a nested warehouse.yaml, and reads nothing', () => {
    const read = readReferencedFile(join(repo, 'infra'), '../.git/config');
    expect(read).toMatchObject({ ok: false, refused: true, problem: expect.stringMatching(/inside \.git/) });
    expect(JSON.stringify(read)).not.toContain(TOKEN);
  });

  it('refuses a symbolic link inside the repository that leads into .git', () => {
    const read = readReferencedFile(join(repo, 'infra'), 'innocent.txt');
    expect(read).toMatchObject({ ok: false, refused: true, problem: expect.stringMatching(/inside \.git/) });
    expect(JSON.stringify(read)).not.toContain(TOKEN);
  });

  it('still reads other files of the repository, including names that merely contain .git', () => {
    expect(pathProblem('.gitignore')).toBeUndefined();
    expect(pathProblem('keys/x.git/key.json')).toBeUndefined();
    expect(readReferencedFile(join(repo, 'infra'), 'key.json')).toEqual({ ok: true, text: '{}' });
  });
});
