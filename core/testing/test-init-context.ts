import { pino } from 'pino';
import type { InitContext, SinkWriterInitContext } from '../api/init-context';
import type { PluginContext } from '../api/plugin';

/** An init context for tests: a silent logger and subtask 0 of 1 unless overridden. */
export function testInitContext(overrides: Partial<InitContext> = {}): InitContext {
  return {
    pipeline: 'conformance',
    componentId: 'under-test',
    subtask: 0,
    parallelism: 1,
    log: pino({ level: 'silent' }),
    ...overrides,
  };
}

/**
 * A sink writer's init context for tests: a fresh start (no restored checkpoint, first id 1, nothing pending, owner
 * epoch 1, always the owner) unless overridden. `Committable` is the sink's committable type, for `pendingCommittables`.
 */
export function testSinkWriterInitContext<Committable = never>(
  overrides: Partial<SinkWriterInitContext<Committable>> = {},
): SinkWriterInitContext<Committable> {
  return {
    ...testInitContext(overrides),
    restoredCheckpointId: undefined,
    firstCheckpointId: 1,
    pendingCommittables: [],
    ownerEpoch: 1,
    verifyOwner: async () => undefined,
    ...overrides,
  };
}

/** A plugin context for tests: checkpoints every second, timing out after a minute, unless overridden. */
export function testPluginContext(overrides: Partial<PluginContext> = {}): PluginContext {
  return {
    pipeline: 'conformance',
    componentId: 'under-test',
    baseDir: process.cwd(),
    checkpoint: { intervalMs: 1_000, timeoutMs: 60_000 },
    ...overrides,
  };
}
