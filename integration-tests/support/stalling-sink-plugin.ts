import type { DirectSink, LockstepRecord, SinkPlugin, SinkWriter } from '../../core/sdk';

/**
 * A test sink plugin (`--plugin integration-tests/support/stalling-sink-plugin.ts`, type `stalling`) that behaves as
 * a sink whose server is unreachable: `startMs` is how long a writer's `init` takes (-1: it never ends, like a client
 * that keeps retrying its connection — a timer keeps the process up meanwhile), and `close` waits for `init`, as a
 * client's disconnect waits for its connect; `failWrites` makes every write fail with a retriable error.
 */
interface StallingConfig {
  readonly startMs: number;
  readonly failWrites: boolean;
}

function stallingWriter(config: StallingConfig): SinkWriter {
  let started: Promise<void> = Promise.resolve();
  let retrying: NodeJS.Timeout | undefined;
  return {
    init: () => {
      started = new Promise<void>((resolve) => {
        retrying = setInterval(() => undefined, 1_000);
        if (config.startMs >= 0) {
          setTimeout(() => {
            clearInterval(retrying);
            resolve();
          }, config.startMs);
        }
      });
      return started;
    },
    write: async (_records: readonly LockstepRecord[]) => {
      if (config.failWrites) throw new Error('stalling sink: connection refused');
    },
    flush: async () => undefined,
    close: async () => {
      await started;
      clearInterval(retrying);
    },
  };
}

const stallingSinkPlugin: SinkPlugin<StallingConfig> = {
  kind: 'sink',
  type: 'stalling',
  configSchema: {
    type: 'object',
    required: ['id', 'type'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      type: { const: 'stalling' },
      parallelism: { type: 'integer', minimum: 1 },
      startMs: { type: 'integer', minimum: -1, default: 0 },
      failWrites: { type: 'boolean', default: false },
    },
  },
  create(config): DirectSink {
    return { guarantee: 'at-least-once', createWriter: () => stallingWriter(config) };
  },
};

export const plugins = [stallingSinkPlugin];
