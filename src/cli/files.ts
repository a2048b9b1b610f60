import { access, constants, lstat, open, stat, rename, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { resolve, dirname, basename, join } from 'node:path';
import { FileNotFoundError, DwctlError } from '../errors.js';

class FileReadError extends DwctlError {
  readonly code = 'file-unreadable';
  readonly outcome = 'could-not-run';
}

/** The largest file dwctl reads: a warehouse.yaml of 10,000 tables is under 1 MiB. */
export const MAX_INPUT_BYTES = 5 * 1024 * 1024;

/**
 * Read a UTF-8 text file given relative to cwd. Anything but a readable regular file of at most
 * `maxBytes` is "could not run" (exit 3) with a one-line reason, never a hang or a crash: the type and
 * size are checked before opening (opening a FIFO would block until a writer appears; /dev/urandom never
 * ends), the file is opened non-blocking and checked again on the handle (it may have been swapped in
 * between), and reading stops after `maxBytes`. The bytes must be UTF-8 (a UTF-8 byte-order mark is kept).
 */
export async function readTextFile(cwd: string, file: string, { maxBytes = MAX_INPUT_BYTES }: { maxBytes?: number } = {}): Promise<string> {
  const path = resolve(cwd, file);
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw readError(file, error);
  }
  checkRegularFile(file, info, maxBytes);
  let bytes: Buffer;
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      checkRegularFile(file, await handle.stat(), maxBytes);
      bytes = await readAtMost(handle, maxBytes + 1);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof DwctlError) throw error;
    throw readError(file, error);
  }
  if (bytes.length > maxBytes) throw new FileReadError(`${file}: larger than ${formatBytes(maxBytes)}, the most dwctl reads`);
  return decodeText(file, bytes);
}

function readError(file: string, error: unknown): DwctlError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FileNotFoundError(file);
  if (code === 'EISDIR') return new FileReadError(`${file}: is a directory, not a file`);
  return new FileReadError(`${file}: cannot be read (${code ?? 'unknown error'})`);
}

function checkRegularFile(file: string, info: Stats, maxBytes: number): void {
  if (info.isDirectory()) throw new FileReadError(`${file}: is a directory, not a file`);
  if (!info.isFile()) {
    const kind = info.isFIFO() ? 'a named pipe' : info.isCharacterDevice() ? 'a character device' : info.isBlockDevice() ? 'a block device' : info.isSocket() ? 'a socket' : 'not a regular file';
    throw new FileReadError(`${file}: is ${kind}; dwctl reads only regular files`);
  }
  if (info.size > maxBytes) throw new FileReadError(`${file}: ${formatBytes(info.size)} is larger than ${formatBytes(maxBytes)}, the most dwctl reads`);
}

async function readAtMost(handle: Awaited<ReturnType<typeof open>>, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.min(limit, 64 * 1024));
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, limit - total), null);
    if (bytesRead === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    total += bytesRead;
  }
  return Buffer.concat(chunks, total);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB` : `${n} bytes`;
}

/** UTF-8 only; UTF-16/32 and binary content get a message that says what the file is and what to do. */
export function decodeText(file: string, bytes: Uint8Array): string {
  const [b0, b1, b2, b3] = bytes;
  if ((b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)) {
    throw new FileReadError(`${file}: is UTF-32 encoded; save it as UTF-8`);
  }
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) throw new FileReadError(`${file}: is UTF-16 encoded; save it as UTF-8`);
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    // UTF-16 without a byte-order mark: every other byte of ASCII text is zero.
    const sample = bytes.subarray(0, 64);
    let zeros = 0;
    for (const b of sample) if (b === 0) zeros++;
    if (zeros * 3 >= sample.length) throw new FileReadError(`${file}: looks UTF-16 encoded (no byte-order mark); save it as UTF-8`);
    throw new FileReadError(`${file}: contains a NUL byte at ${lineColumn(bytes, nul)}; it is not a text file`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new FileReadError(`${file}: is not valid UTF-8 (first bad byte at ${lineColumn(bytes, firstInvalidUtf8(bytes))}); save it as UTF-8`);
  }
}

/** The offset of the first byte that cannot continue valid UTF-8 (the byte where decoding fails). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let low = 0;
  let high = bytes.length;
  // The longest prefix that decodes (a prefix may end inside a character: stream mode allows that).
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  return Math.min(low, bytes.length - 1);
}

function lineColumn(bytes: Uint8Array, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

export async function fileExists(cwd: string, file: string): Promise<boolean> {
  try {
    await access(resolve(cwd, file));
    return true;
  } catch {
    return false;
  }
}

class FileWriteError extends DwctlError {
  readonly code = 'file-unwritable';
  readonly outcome = 'could-not-run';
}

/**
 * Write via a temporary file and rename, so a killed run never leaves half a file behind. The temporary
 * file sits beside the target (rename is atomic only within a file system), has an unguessable name, and
 * is created exclusively without following links (O_CREAT|O_EXCL|O_NOFOLLOW): nobody can plant a symlink
 * at the name in advance to make dwctl write elsewhere. A target that is itself a symbolic link is refused
 * rather than replaced or written through.
 */
export async function writeTextFileAtomic(cwd: string, file: string, text: string): Promise<void> {
  const target = resolve(cwd, file);
  let mode = 0o644;
  try {
    const existing = await lstat(target);
    if (existing.isSymbolicLink()) {
      throw new FileWriteError(`${file}: is a symbolic link; dwctl does not write through links. Pass the real path instead.`);
    }
    if (!existing.isFile()) throw new FileWriteError(`${file}: is not a regular file, so dwctl will not replace it`);
    // Keep the permissions the file had.
    mode = existing.mode & 0o777;
  } catch (error) {
    if (error instanceof FileWriteError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unwritable(file, error);
  }
  // node:crypto is loaded here, not at start-up: lint reads files through this module and never writes.
  const { randomBytes } = await import('node:crypto');
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(12).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), mode);
  } catch (error) {
    throw unwritable(file, error);
  }
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw unwritable(file, error);
  }
}

function unwritable(file: string, error: unknown): FileWriteError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FileWriteError(`${file}: cannot be written: its directory does not exist`);
  return new FileWriteError(`${file}: cannot be written (${code ?? 'unknown error'})`);
}
