import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { DOUBLED_TRANSFORM_LINE, kafkaJsonSourceLine } from '../../support/chaos-pipeline-yaml';
import { produceChaosRecords, type ChaosRecord } from '../../support/kafka-topics';
import {
  kafkaTransactionTimeout,
  pace,
  pipelineHead,
  verdictOf,
  type ChaosPipeline,
  type TrialContext,
  type TrialVerdict,
} from './chaos-pipeline';
import { createTopics, deleteTopics, describeRecord, openAndHanging, parseJson } from './kafka-trial-support';

const PARTITIONS = 3;

/**
 * Kafka (3 partitions, `records` JSON records `r-0…`, bounded) → map → throttle → Kafka exactly-once, parallelism 3.
 * Oracle: Kafka's console consumer (read_committed) sees every id once, keyed by it, with the map applied; the
 * transaction tools find no open or hanging transaction of the pipeline.
 */
export const kafkaKafkaPipeline: ChaosPipeline = {
  name: 'kafka-kafka',
  async prepare(context) {
    const name = `chaos-kk-${context.id}`;
    const input = `${name}-in`;
    const output = `${name}-out`;
    const kafka = await createTopics(context, [input, output], PARTITIONS);
    await produceChaosRecords(kafka, input, context.records);
    const pipelineFile = join(context.dir, 'pipeline.yaml');
    await writeFile(pipelineFile, pipelineYaml(name, context, input, output));
    return {
      pipelineFile,
      verify: () => verifyKafkaOutput(context, name, output),
      cleanup: () => deleteTopics(context, [input, output]),
    };
  },
};

function pipelineYaml(name: string, context: TrialContext, input: string, output: string): string {
  const brokers = JSON.stringify(context.brokers);
  return [
    ...pipelineHead(name, context, PARTITIONS),
    'sources:',
    kafkaJsonSourceLine(context.brokers, input),
    'transforms:',
    DOUBLED_TRANSFORM_LINE,
    `  - { id: pace, type: throttle, recordsPerSecond: ${pace(context)} }`,
    'sinks:',
    `  - { id: out, type: kafka, brokers: ${brokers}, topic: ${output}, keyField: id${kafkaTransactionTimeout(context)} }`,
    '',
  ].join('\n');
}

async function verifyKafkaOutput(context: TrialContext, name: string, output: string): Promise<TrialVerdict> {
  const records = await context.oracle.readCommittedPatiently(output, context.records);
  const ids: string[] = [];
  const malformed: string[] = [];
  for (const record of records) {
    const value = parseJson(record) as (ChaosRecord & { doubled?: number }) | undefined;
    if (value === undefined || value.doubled !== value.seq * 2 || record.key !== value.id) malformed.push(describeRecord(record));
    else ids.push(value.id);
  }
  return verdictOf(context.records, ids, malformed, {
    openTransactions: await openAndHanging(context.oracle, `${name}-`, output),
  });
}
