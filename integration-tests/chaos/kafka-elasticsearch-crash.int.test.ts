import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { countDocuments, createIndex, oracleClient, readDocuments } from '../elasticsearch/elasticsearch-fixtures';
import { useTempDir } from '../support/chaos-fixtures';
import { DOUBLED_TRANSFORM_LINE, exactlyOnceHeader, kafkaJsonSourceLine } from '../support/chaos-pipeline-yaml';
import { crashTrialSettings, describeCrashTrial, expectKillsLanded, runCrashTrial } from '../support/crash-trial';
import { describeTally, produceChaosRecords, tallyIds } from '../support/kafka-topics';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * Crash test with real processes: `lockstep run` on Kafka (3 partitions, 50,000 records, bounded) → map →
 * Elasticsearch with the default document ids (each record's origin, `<topic>/<partition>@<offset>`), checkpoints
 * every 500 ms, SIGKILLed at random moments, right after a checkpoint became durable and right after a writer flushed
 * its bulk requests but before it acknowledged the barrier (the most a replay rewrites), then re-run until it
 * finishes. Afterwards, read with the client's scroll helper: every input id (the documents' `id` field) is in the
 * index exactly once, `_count` equals the input, and every document's `_version` is 1 (a replay rewrote nothing).
 */
const services = testServices();
const { brokers } = services.kafka;
const { url } = services.elasticsearch;
const { records: RECORDS, seeds: SEEDS, rate: RATE } = crashTrialSettings('ES', { records: 50_000, seeds: '7', rate: 2_500 });
const KILLS = 5;

function pipelineYaml(name: string, dir: string, topic: string, index: string): string {
  return [
    ...exactlyOnceHeader(name, dir, 3),
    'sources:',
    kafkaJsonSourceLine(brokers, topic),
    'transforms:',
    DOUBLED_TRANSFORM_LINE,
    // Paced so that the kills land mid-stream.
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: es, type: elasticsearch, node: "${url}", index: ${index}, bulkActions: 500 }`,
    '',
  ].join('\n');
}

describe('kafka → elasticsearch under kill -9', () => {
  const kafka = testKafka(brokers, 'lockstep-chaos');
  const tempDir = useTempDir('lockstep-es-crash-');
  let client: Client;
  beforeAll(() => {
    client = oracleClient();
  });
  afterAll(() => client.close());

  it.each(SEEDS)('seed %i: every id exactly once in the index after ≥5 kills, no document rewritten', async (seed) => {
    const dir = tempDir();
    const random = new SeededRandom(seed);
    const run = `${seed}-${randomUUID().slice(0, 8)}`;
    const name = `chaos-es-${run}`;
    const topic = `chaos-es-in-${run}`;
    const index = `chaos-es-${run}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
      await produceChaosRecords(kafka, topic, RECORDS);
      await createIndex(client, index, { id: { type: 'keyword' }, seq: { type: 'integer' }, doubled: { type: 'integer' } });

      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(name, dir, topic, index));
      const trial = await runCrashTrial({
        pipelineFile: file,
        logFile: join(dir, 'runs.log'),
        random,
        randomKills: KILLS,
        killAfterMs: [2_000, 4_500],
        failPoints: ['after-checkpoint-saved', 'after-sink-flush'],
      });

      const total = await countDocuments(client, index);
      const documents = await readDocuments(client, index);
      const tally = tallyIds(
        documents.map((document) => String(document.source.id)),
        RECORDS,
      );
      const wrong = documents.filter((document) => document.source.doubled !== Number(document.source.seq) * 2).length;
      const rewritten = documents.filter((document) => document.version !== 1).length;
      process.stdout.write(
        `kafka → elasticsearch crash trial, seed ${seed}: ${RECORDS} records, ${describeCrashTrial(trial)}; ` +
          `_count ${total}, ${documents.length} documents scrolled: ${describeTally(tally)}, ${wrong} malformed, ${rewritten} with _version > 1\n`,
      );

      expectKillsLanded(trial, KILLS);
      expect({ total, documents: documents.length, distinct: tally.distinct, wrong, rewritten }).toEqual({
        total: RECORDS,
        documents: RECORDS,
        distinct: RECORDS,
        wrong: 0,
        rewritten: 0,
      });
      expect(tally.duplicated.slice(0, 5)).toEqual([]);
      expect(tally.missing.slice(0, 5)).toEqual([]);
      expect(tally.foreign.slice(0, 5)).toEqual([]);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await client.indices.delete({ index, ignore_unavailable: true }).catch(() => undefined);
    }
  }, 900_000);
});
