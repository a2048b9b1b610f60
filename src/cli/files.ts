import { access, readFile, writeFile, rename } from 'node:fs/promises';
import { resolve, dirname, basename, join } from 'node:path';
import { FileNotFoundError, DwctlError } from '../errors.js';

class FileReadError extends DwctlError {
  readonly code = 'file-unreadable';
  readonly outcome = 'could-not-run';
}

/** Read a UTF-8 file given relative to cwd; a missing file is "could not run" (exit 3), not a crash. */
export async function readTextFile(cwd: string, file: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileNotFoundError(file);
    if (code === 'EISDIR') throw new FileReadError(`${file}: is a directory, not a file`);
    throw new FileReadError(`${file}: cannot be read (${code ?? (error as Error).message})`);
  }
}

export async function fileExists(cwd: string, file: string): Promise<boolean> {
  try {
    await access(resolve(cwd, file));
    return true;
  } catch {
    return false;
  }
}

/** Write via a temporary file and rename, so a killed run never leaves half a file behind. */
export async function writeTextFileAtomic(cwd: string, file: string, text: string): Promise<void> {
  const target = resolve(cwd, file);
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, target);
}
