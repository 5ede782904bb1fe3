import { open } from 'node:fs/promises';
import { errnoCode } from './error-mapping';

/** Errors of platforms that cannot open or fsync a directory (Windows, some network file systems). */
const UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM', 'ENOTSUP', 'EBADF']);

/**
 * Fsyncs a directory, so that a file created, renamed or removed in it survives a power loss (the entry lives in the
 * directory, not in the file). Where the platform cannot do it, there is nothing more to make durable: it returns.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = errnoCode(error);
    if (code === undefined || !UNSUPPORTED.has(code)) throw error;
  } finally {
    await handle?.close();
  }
}
