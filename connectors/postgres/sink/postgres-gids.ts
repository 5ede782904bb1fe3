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

/** A gid of this sink, parsed: `epoch` is 0 in gids of lockstep versions that did not name it. */
export interface ParsedGid {
  readonly subtask: number;
  readonly checkpointId: number;
  readonly epoch: number;
}

/**
 * Names of the prepared transactions of one sink of one pipeline:
 * `lockstep:<pipeline>:<sink>:<subtask>:<checkpointId>:e<ownerEpoch>` (`%` and `:` in names escaped as `%25` and
 * `%3A`; gids without the epoch, from earlier versions, still parse). The owner epoch of the process that prepared it
 * keeps two owners' gids apart even if they got the same checkpoint id, and tells a newer owner's transactions from a
 * zombie's. When pipeline and sink names make the prefix longer than 150 bytes it becomes
 * `lockstep:#<sha-256 of the names, 32 hex>`, keeping every gid under Postgres' 200-byte limit. Gids of other
 * pipelines or sinks never parse as this sink's.
 */
export class PostgresGids {
  readonly prefix: string;

  constructor(pipeline: string, sink: string) {
    const readable = `lockstep:${escapePart(pipeline)}:${escapePart(sink)}`;
    this.prefix = Buffer.byteLength(readable) <= MAX_PREFIX_BYTES ? readable : `lockstep:#${hashOf(pipeline, sink).slice(0, 32)}`;
  }

  gid(subtask: number, checkpointId: number, epoch: number): string {
    return `${this.prefix}:${subtask}:${checkpointId}:e${epoch}`;
  }

  /** Subtask, checkpoint id and owner epoch of one of this sink's gids; undefined for any other gid. */
  parse(gid: string): ParsedGid | undefined {
    if (!gid.startsWith(`${this.prefix}:`)) return undefined;
    const match = /^(\d+):(\d+)(?::e(\d+))?$/.exec(gid.slice(this.prefix.length + 1));
    if (match === null) return undefined;
    return { subtask: Number(match[1]), checkpointId: Number(match[2]), epoch: Number(match[3] ?? 0) };
  }

  /**
   * The application_name of a subtask's writer connections, without the owner epoch: the at-least-once writer's, and
   * the base the exactly-once writer adds its epoch to ({@link writerSessionName}).
   */
  writerApplicationName(subtask: number): string {
    const readable = `${this.prefix}:${subtask}`;
    // Postgres stores application_name as printable ASCII (other bytes become '?' or escapes), so a readable name with
    // other characters would never match in pg_stat_activity and fencing would silently do nothing: hash it too.
    const fits = Buffer.byteLength(readable) <= MAX_APPLICATION_NAME_BYTES - EPOCH_SUFFIX_BYTES && /^[\x20-\x7e]*$/.test(readable);
    return fits ? readable : `lockstep:#${hashOf(this.prefix, String(subtask)).slice(0, 32)}`;
  }

  /**
   * The application_name of a subtask's exactly-once writer session: `<base>:e<ownerEpoch>`. A new writer terminates
   * the sessions of older epochs (a zombie of a crashed or partitioned run) so that their open transactions cannot
   * hold locks on the rows the replay writes again; a session of a newer epoch means this process is the zombie.
   */
  writerSessionName(subtask: number, epoch: number): string {
    return `${this.writerApplicationName(subtask)}:e${epoch}`;
  }

  /** The owner epoch in a writer session name of `subtask` (0 for a name without one); undefined for other names. */
  sessionEpoch(subtask: number, applicationName: string): number | undefined {
    const base = this.writerApplicationName(subtask);
    if (applicationName === base) return 0;
    const match = /^:e(\d+)$/.exec(applicationName.startsWith(base) ? applicationName.slice(base.length) : '');
    return match === null ? undefined : Number(match[1]);
  }

  /** The application_name of the committer's connection (the prefix, shortened to fit). */
  committerApplicationName(): string {
    return `${this.prefix.slice(0, 50)}:committer`;
  }
}

/** `:e` and up to 12 digits of owner epoch. */
const EPOCH_SUFFIX_BYTES = 14;
