import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** fsyncs a directory, so a rename or unlink inside it survives a power loss. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** {@link fsyncDirectory}, blocking. */
function fsyncDirectorySync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `content` atomically and durably: write a temp file (`.<name>.<hex>.tmp`) in the same folder,
 * or in `tempDir` (on the same file system), fsync it, rename it over `path`, fsync the folder. Readers (and a process
 * restarted after a crash) see the old or the new content. When any step before the rename fails (ENOSPC, EIO), the
 * temp file is removed.
 *
 * The calls block (the promise is settled when it returns): this is the checkpoint store's write, on the checkpoint's
 * path, where each of the eight steps done asynchronously waited for a turn of an event loop busy with records (tens
 * of ms each under full load, the whole save 0.3–0.6 s); blocking costs only the file system's own time (about a
 * millisecond per fsync on an idle disk).
 */
export async function writeFileAtomic(path: string, content: string, tempDir?: string): Promise<void> {
  const dir = dirname(path);
  const temp = tempDir === undefined ? tempPathFor(path) : join(tempDir, basename(tempPathFor(path)));
  try {
    const fd = openSync(temp, 'w');
    try {
      const bytes = Buffer.from(content, 'utf8');
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncDirectorySync(dir);
}

/** A fresh temp file name beside `path` (`.<name>.<hex>.tmp`), the form {@link removeTempFiles} recognises. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Removes the temp files `writeFileAtomic` left in `dir` (a crash mid-write) for targets whose name `owns` accepts. */
export async function removeTempFiles(dir: string, owns: (target: string) => boolean): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const leftovers = names.filter((name) => {
    const match = /^\.(.+)\.[0-9a-f]{12}\.tmp$/.exec(name);
    return match !== null && owns(match[1]!);
  });
  await Promise.all(leftovers.map((name) => rm(join(dir, name), { force: true })));
}
