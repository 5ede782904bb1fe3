/**
 * Docker images of the testcontainers provider, pinned in one place. Keep the server versions in step with the
 * local provider's (see docs/testing.md), so the suites see the same servers with and without Docker.
 */
export const CONTAINER_IMAGES = {
  /** Confluent Platform 7.9 ships Apache Kafka 3.9; run in KRaft mode by the Kafka module. */
  kafka: 'confluentinc/cp-kafka:7.9.0',
  postgres: 'postgres:15.10-alpine',
  elasticsearch: 'docker.elastic.co/elasticsearch/elasticsearch:8.19.2',
  localstack: 'localstack/localstack:4.0.3',
} as const;
