import { type Stats, closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { GIT_METADATA_PROBLEM, inGitMetadata, pathProblem } from './references.js';

/**
 * `${file:PATH}` is confined: warehouse.yaml comes from pull requests, and a reference must not turn dwctl into
 * a reader of the CI machine (`/proc/self/environ`, `../../etc/shadow`, a FIFO that blocks forever). A file is
 * read only when it is a regular file of at most `MAX_REFERENCED_FILE_BYTES`, inside the repository that holds
 * warehouse.yaml (the directory of warehouse.yaml outside a git repository), after symlinks are resolved.
 */
export const MAX_REFERENCED_FILE_BYTES = 1024 * 1024;

export type FileRead = { ok: true; text: string } | { ok: false; problem: string; refused: boolean };

/** The directory `${file:}` may read from: the nearest ancestor with `.git` (a directory or a worktree's file), else the YAML's own. */
export function referenceRoot(yamlDirectory: string): string {
  for (let dir = resolve(yamlDirectory); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return resolve(yamlDirectory);
  }
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Read `${file:PATH}` (PATH relative to `yamlDirectory`) under the confinement rules, never blocking. */
export function readReferencedFile(yamlDirectory: string, path: string, root = referenceRoot(yamlDirectory)): FileRead {
  const refuse = (problem: string): FileRead => ({ ok: false, problem, refused: true });
  const lexical = pathProblem(path);
  if (lexical) return refuse(lexical);
  const target = resolve(yamlDirectory, path);
  if (!inside(root, target)) return refuse(`the path leads outside ${describeRoot(root, yamlDirectory)}`);
  let real: string;
  try {
    lstatSync(target);
    real = realpathSync(target);
  } catch {
    return { ok: false, problem: `file ${path} cannot be read (it does not exist)`, refused: false };
  }
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    realRoot = root;
  }
  if (!inside(realRoot, real)) return refuse(`the path is a symbolic link that leads outside ${describeRoot(root, yamlDirectory)}`);
  // A symbolic link inside the repository may still lead into .git.
  if (inGitMetadata(relative(realRoot, real).split(sep))) return refuse(GIT_METADATA_PROBLEM);
  // stat (not open) first: opening a FIFO for reading would wait for a writer.
  let stats: Stats;
  try {
    stats = statSync(real);
  } catch {
    return { ok: false, problem: `file ${path} cannot be read`, refused: false };
  }
  if (!stats.isFile()) return refuse(`it is ${kind(stats)}, not a regular file`);
  if (stats.size > MAX_REFERENCED_FILE_BYTES) return refuse(`the file is larger than ${MAX_REFERENCED_FILE_BYTES / 1024 / 1024} MiB`);
  let fd: number;
  try {
    // Non-blocking and not following a symlink swapped in since the checks; then the opened file is checked again.
    fd = openSync(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return { ok: false, problem: `file ${path} cannot be read (permission denied or changed while reading)`, refused: false };
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile() || opened.ino !== stats.ino || opened.dev !== stats.dev) return refuse('the file changed while it was being read');
    const buffer = Buffer.alloc(MAX_REFERENCED_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_REFERENCED_FILE_BYTES) return refuse(`the file is larger than ${MAX_REFERENCED_FILE_BYTES / 1024 / 1024} MiB`);
    }
    return { ok: true, text: buffer.subarray(0, length).toString('utf8') };
  } catch {
    return { ok: false, problem: `file ${path} cannot be read`, refused: false };
  } finally {
    closeSync(fd);
  }
}

function describeRoot(root: string, yamlDirectory: string): string {
  return resolve(root) === resolve(yamlDirectory) ? "warehouse.yaml's directory" : 'the repository that holds warehouse.yaml';
}

function kind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}
