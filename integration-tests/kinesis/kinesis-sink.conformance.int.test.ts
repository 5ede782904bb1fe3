import { KinesisSink, kinesisSinkPlugin } from '../../connectors/kinesis/sink';
import { describeSinkConformance, testPluginContext, validatedConfig } from '../../core/testing';
import { testServices } from '../env';
import { KinesisTestBed } from './kinesis-test-bed';

/**
 * The core sink conformance suite (at-least-once rules) against kinesis-mock: what the stream holds is read with the
 * AWS SDK's own client; repeats after crashes must carry the record's id in `lockstepId`.
 */
const service = testServices().kinesis;

describeSinkConformance('kinesis', {
  mechanism: 'at-least-once',
  seeds: [1, 2, 3],
  setup: async () => {
    const bed = new KinesisTestBed(service);
    const stream = await bed.createStream('sink-conformance', 2);
    return {
      createSink: () =>
        new KinesisSink(
          validatedConfig(kinesisSinkPlugin, {
            id: 'out',
            stream,
            region: service.region,
            endpoint: service.endpoint,
            credentials: { ...service.credentials },
            maxBatchRecords: 7,
          }),
          testPluginContext({ pipeline: 'conformance', componentId: 'out' }),
          { retry: { initialDelayMs: 10, maxDelayMs: 200 } },
        ),
      readCommitted: async () => [...(await bed.readAll(stream)).values()].flat(),
      recordIdOf: (value) => String((value as { lockstepId?: unknown }).lockstepId),
      cleanup: () => bed.close(),
    };
  },
});
