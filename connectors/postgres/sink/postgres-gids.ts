import { createHash } from 'node:crypto';

/** Postgres refuses transaction identifiers of 200 bytes or more. */
export const MAX_GID_BYTES = 199;
/** Longer `lockstep:<pipeline>:<sink>` prefixes are replaced by a hash of the names. */
const MAX_PREFIX_BYTES = 150;
/** application_name is cut at 63 bytes. */
const MAX_APPLICATION_NAME_BYTES = 63;

/** `%` and `:` escaped, so that `:` separates the parts unambiguously. */
function escapePart(text: string): string {
  return text.replaceAll('%', '%25').replaceAll(':', '%3A');
}

function hashOf(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/**
 * Names of the prepared transactions of one sink of one pipeline: `lockstep:<pipeline>:<sink>:<subtask>:<checkpointId>`
 * (`%` and `:` in names escaped as `%25` and `%3A`). When pipeline and sink names make the prefix longer than 150
 * bytes it becomes `lockstep:#<sha-256 of the names, 32 hex>`, keeping every gid under Postgres' 200-byte limit.
 * Gids of other pipelines or sinks never parse as this sink's.
 */
export class PostgresGids {
  readonly prefix: string;

  constructor(pipeline: string, sink: string) {
    const readable = `lockstep:${escapePart(pipeline)}:${escapePart(sink)}`;
    this.prefix = Buffer.byteLength(readable) <= MAX_PREFIX_BYTES ? readable : `lockstep:#${hashOf(pipeline, sink).slice(0, 32)}`;
  }

  gid(subtask: number, checkpointId: number): string {
    return `${this.prefix}:${subtask}:${checkpointId}`;
  }

  /** Subtask and checkpoint id of one of this sink's gids; undefined for any other gid. */
  parse(gid: string): { subtask: number; checkpointId: number } | undefined {
    if (!gid.startsWith(`${this.prefix}:`)) return undefined;
    const match = /^(\d+):(\d+)$/.exec(gid.slice(this.prefix.length + 1));
    if (match === null) return undefined;
    return { subtask: Number(match[1]), checkpointId: Number(match[2]) };
  }

  /**
   * The application_name of a subtask's exactly-once writer connection: a new writer terminates older sessions with
   * the same name (a zombie of a crashed or partitioned run), so its open transaction cannot hold locks on the rows the
   * replay writes again.
   */
  writerApplicationName(subtask: number): string {
    const readable = `${this.prefix}:${subtask}`;
    // Postgres stores application_name as printable ASCII (other bytes become '?' or escapes), so a readable name with
    // other characters would never match in pg_stat_activity and fencing would silently do nothing: hash it too.
    const fits = Buffer.byteLength(readable) <= MAX_APPLICATION_NAME_BYTES && /^[\x20-\x7e]*$/.test(readable);
    return fits ? readable : `lockstep:#${hashOf(this.prefix, String(subtask)).slice(0, 40)}`;
  }

  /** The application_name of the committer's connection (the prefix, shortened to fit). */
  committerApplicationName(): string {
    return `${this.prefix.slice(0, 50)}:committer`;
  }
}
