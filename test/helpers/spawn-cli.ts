import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(REPO_ROOT, 'bin', 'dwctl.js');

/** Run the built CLI (dist/, made by `npm run build`, which `npm test` and .ci/run do first). */
export function spawnCli(argv: string[], options: { cwd: string; env?: Record<string, string>; input?: string }) {
  const result = spawnSync(process.execPath, [BIN, ...argv], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...options.env },
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { exitCode: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
