import { LockstepError, type LockstepErrorCode } from '../../core/sdk';

/** Node file-system error codes that may go away on retry (a full disk being cleaned, descriptors exhausted). */
const RETRIABLE = new Set(['ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EIO', 'ETIMEDOUT', 'EINTR']);

/** Stable lockstep codes for the file-system errors users meet most. */
const CODES: Readonly<Record<string, LockstepErrorCode>> = {
  ENOENT: 'LS_FILE_NOT_FOUND',
  EACCES: 'LS_FILE_PERMISSION',
  EPERM: 'LS_FILE_PERMISSION',
  EROFS: 'LS_FILE_PERMISSION',
  ENOSPC: 'LS_FILE_NO_SPACE',
  EDQUOT: 'LS_FILE_NO_SPACE',
  EMFILE: 'LS_FILE_TOO_MANY_OPEN',
  ENFILE: 'LS_FILE_TOO_MANY_OPEN',
  ENOTDIR: 'LS_FILE_NOT_A_DIRECTORY',
  EISDIR: 'LS_FILE_IS_A_DIRECTORY',
};

/** The Node error code of `error` (`ENOENT`…), if it has one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps a Node file-system error to a `LockstepError`: a stable `LS_FILE_*` code (`LS_FILE_IO` for the rest),
 * `retriable` for conditions that can clear, and the path and action in the message and context.
 */
export function mapFileError(error: unknown, action: string, path: string): LockstepError {
  if (LockstepError.is(error)) return error;
  const errno = errnoCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  return new LockstepError(`cannot ${action} ${path}: ${reason}`, {
    code: (errno !== undefined ? CODES[errno] : undefined) ?? 'LS_FILE_IO',
    retriable: errno !== undefined && RETRIABLE.has(errno),
    cause: error,
    context: { path, errno },
  });
}
