import { join } from 'node:path';

/**
 * The opening lines every chaos pipeline shares: its name, exactly-once, checkpoints every 500 ms (timeout 30 s) into
 * `<dir>/checkpoints`, and — when given — its parallelism.
 */
export function exactlyOnceHeader(name: string, dir: string, parallelism?: number): string[] {
  return [
    `name: ${name}`,
    'guarantee: exactly-once',
    `checkpoint: { interval: 500ms, timeout: 30s, storage: "${join(dir, 'checkpoints')}" }`,
    ...(parallelism === undefined ? [] : [`parallelism: ${parallelism}`]),
  ];
}

/** A bounded (`latest`) Kafka source `in` reading JSON values from `topic`, as a one-line YAML list item. */
export function kafkaJsonSourceLine(brokers: readonly string[], topic: string): string {
  return `  - { id: in, type: kafka, brokers: ${JSON.stringify(brokers)}, topics: [${topic}], bounded: latest, valueFormat: json }`;
}

/** The map transform the crash tests check on the far side: `doubled = seq * 2`. */
export const DOUBLED_TRANSFORM_LINE = '  - { id: tag, type: map, set: { doubled: "value.seq * 2" } }';
