import { LockstepError } from '../errors';

/** errno codes of a full disk or an exhausted quota. */
const NO_SPACE: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The error to throw for a failed write of checkpoint store file `path`: a full disk or quota is
 * `LS_CHECKPOINT_NO_SPACE` naming the path and the errno (Node's message names the temp file, not the target);
 * anything else is passed on as it is.
 */
export function storageWriteError(error: unknown, path: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (LockstepError.is(error) || typeof code !== 'string' || !NO_SPACE.has(code)) return error;
  return new LockstepError(`checkpoint storage is full: cannot write ${path}: ${code} (${code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on device'})`, {
    code: 'LS_CHECKPOINT_NO_SPACE',
    cause: error,
    context: { path, errno: code },
  });
}
