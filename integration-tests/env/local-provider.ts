import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareElasticsearch, startElasticsearch } from './local/elasticsearch';
import { KAFKA_3_VERSION, KAFKA_VERSION, prepareKafka, startKafka } from './local/kafka';
import { prepareKinesis, startKinesis } from './local/kinesis';
import type { LocalServiceContext, StartedLocalService } from './local/local-service';
import { preparePostgres, startPostgres } from './local/postgres';
import type { ProviderContext, RunningServices, ServiceName, ServiceProvider } from './service-provider';
import { startAll } from './start-all';

interface LocalLauncher {
  prepare(context: LocalServiceContext): Promise<void>;
  start(context: LocalServiceContext): Promise<StartedLocalService<unknown>>;
}

const LAUNCHERS: Record<ServiceName, LocalLauncher> = {
  kafka: { prepare: (ctx) => prepareKafka(ctx, KAFKA_VERSION), start: (ctx) => startKafka(ctx, KAFKA_VERSION) },
  kafka3: { prepare: (ctx) => prepareKafka(ctx, KAFKA_3_VERSION), start: (ctx) => startKafka(ctx, KAFKA_3_VERSION) },
  postgres: { prepare: preparePostgres, start: startPostgres },
  elasticsearch: { prepare: prepareElasticsearch, start: startElasticsearch },
  kinesis: { prepare: prepareKinesis, start: startKinesis },
};

async function serviceContext(name: ServiceName, context: ProviderContext): Promise<LocalServiceContext> {
  const runDir = join(context.runDir, name);
  await mkdir(runDir, { recursive: true });
  return { cacheDir: context.cacheDir, runDir, log: context.log.child({ service: name }) };
}

async function timed<T>(name: ServiceName, verb: string, context: ProviderContext, work: () => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  context.progress(`${name}: ${verb}…`);
  const result = await work();
  context.progress(`${name}: ${verb} done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return result;
}

/**
 * Real services as local processes, no Docker: KRaft Kafka brokers (4.x and 3.9) and an Elasticsearch node from Maven Central
 * jars run with `java`, a private PostgreSQL cluster, and kinesis-mock from npm. All start in parallel.
 */
export const localProvider: ServiceProvider = {
  name: 'local',
  async prepare(names, context) {
    // Sequential: Maven resolutions share ~/.m2 and are the slow part of a cold start anyway.
    for (const name of names) {
      const serviceContextValue = await serviceContext(name, context);
      await timed(name, 'prepare', context, () => LAUNCHERS[name].prepare(serviceContextValue));
    }
  },
  start(names, context): Promise<RunningServices> {
    return startAll('local', names, async (name) => {
      const ctx = await serviceContext(name, context);
      return timed(name, 'start', context, () => LAUNCHERS[name].start(ctx));
    });
  },
};
