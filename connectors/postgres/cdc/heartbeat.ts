import type { Client } from 'pg';
import type { Logger } from 'pino';
import { postgresError } from '../errors';

/** Prefix of the heartbeat messages in the WAL. */
export const HEARTBEAT_PREFIX = 'lockstep-heartbeat';

/**
 * Writes a non-transactional logical decoding message (`pg_logical_emit_message(false, …)`) every `intervalMs`. It
 * adds a WAL record in this database even when no published table changes; pgoutput does not forward it, but the
 * server's keepalives then carry a newer WAL end, the reader's position moves there between transactions, and the
 * next completed checkpoint confirms it: the slot advances and the server can recycle WAL on an idle database.
 *
 * Call order: `start()` once → `stop()`. Failures are logged; the next beat tries again.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating = false;

  constructor(
    private readonly client: Client,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      await this.client.query("SELECT pg_logical_emit_message(false, $1::text, ''::text)", [HEARTBEAT_PREFIX]);
    } catch (error) {
      this.log.warn({ err: postgresError(error, 'postgres-cdc heartbeat failed') }, 'postgres-cdc heartbeat failed');
    } finally {
      this.beating = false;
    }
  }
}
