import { ElasticsearchContainer } from '@testcontainers/elasticsearch';
import { LocalstackContainer } from '@testcontainers/localstack';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { freePort } from './local/free-port';
import { CONTAINER_IMAGES } from './container-images';
import type { ProviderContext, RunningServices, ServiceName, ServiceProvider } from './service-provider';
import { startAll } from './start-all';

interface StartedContainer {
  readonly container: StartedTestContainer;
  readonly info: unknown;
}

/**
 * Kafka advertises the address clients must use, so the host port is chosen before the container starts and mapped
 * 1:1 (the testcontainers Kafka module only drives Confluent images; we run Apache's own, as the local provider does).
 */
async function startKafkaContainer(image: string): Promise<StartedContainer> {
  const port = await freePort();
  const container = await new GenericContainer(image)
    .withExposedPorts({ container: 9092, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${port}`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_TRANSACTION_MAX_TIMEOUT_MS: '900000',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
  return { container, info: { brokers: [`localhost:${port}`], version: tagOf(image) } };
}

/** Starts one pinned container configured as lockstep's suites need it. */
async function startContainer(name: ServiceName): Promise<StartedContainer> {
  switch (name) {
    case 'kafka':
    case 'kafka3':
      return startKafkaContainer(CONTAINER_IMAGES[name]);
    case 'postgres': {
      const container = await new PostgreSqlContainer(CONTAINER_IMAGES.postgres)
        .withCommand([
          'postgres',
          '-c', 'max_prepared_transactions=64',
          '-c', 'wal_level=logical',
          '-c', 'max_replication_slots=16',
          '-c', 'max_wal_senders=16',
        ])
        .start();
      return { container, info: { url: container.getConnectionUri(), version: tagOf(CONTAINER_IMAGES.postgres) } };
    }
    case 'elasticsearch': {
      const container = await new ElasticsearchContainer(CONTAINER_IMAGES.elasticsearch)
        .withPassword('lockstep')
        .start();
      // The module enables security with basic auth; the URL carries the credentials, which the ES client reads.
      const url = `http://${container.getUsername()}:${container.getPassword()}@${container.getHost()}:${container.getPort()}`;
      return { container, info: { url, version: tagOf(CONTAINER_IMAGES.elasticsearch) } };
    }
    case 'kinesis': {
      const container = await new LocalstackContainer(CONTAINER_IMAGES.localstack)
        .withEnvironment({ SERVICES: 'kinesis', KINESIS_LATENCY: '0' })
        .start();
      return {
        container,
        info: {
          endpoint: container.getConnectionUri(),
          region: 'us-east-1',
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        },
      };
    }
  }
}

function tagOf(image: string): string {
  return image.slice(image.lastIndexOf(':') + 1);
}

/** Pinned Docker images started through testcontainers; used when a Docker engine answers. */
export const testcontainersProvider: ServiceProvider = {
  name: 'testcontainers',
  async prepare() {
    // Images are pulled by `start`; nothing to cache beforehand.
  },
  start(names, context: ProviderContext): Promise<RunningServices> {
    return startAll('testcontainers', names, async (name) => {
      context.progress(`${name}: starting container ${name === 'kinesis' ? CONTAINER_IMAGES.localstack : CONTAINER_IMAGES[name]}…`);
      const { container, info } = await startContainer(name);
      context.progress(`${name}: container ready`);
      return { info, pids: () => [], stop: async () => void (await container.stop()) };
    });
  },
};
