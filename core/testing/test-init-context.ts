import { pino } from 'pino';
import type { InitContext, SinkWriterInitContext } from '../api/init-context';

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

/** A sink writer's init context for tests: a fresh start (no restored checkpoint, first id 1) unless overridden. */
export function testSinkWriterInitContext(overrides: Partial<SinkWriterInitContext> = {}): SinkWriterInitContext {
  return { ...testInitContext(overrides), restoredCheckpointId: undefined, firstCheckpointId: 1, ...overrides };
}
