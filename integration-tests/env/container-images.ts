/**
 * Docker images of the testcontainers provider, pinned in one place. Keep the server versions in step with the
 * local provider's (see docs/testing.md), so the suites see the same servers with and without Docker.
 */
export const CONTAINER_IMAGES = {
  /** Apache Kafka's own image, same release as the local provider's jars (KAFKA_VERSION in local/kafka.ts). */
  kafka: 'apache/kafka:4.3.1',
  /** The older broker the Kafka suites also run against (KAFKA_3_VERSION in local/kafka-config.ts). */
  kafka3: 'apache/kafka:3.9.1',
  postgres: 'postgres:15.10-alpine',
  elasticsearch: 'docker.elastic.co/elasticsearch/elasticsearch:8.19.21',
  localstack: 'localstack/localstack:4.0.3',
} as const;
