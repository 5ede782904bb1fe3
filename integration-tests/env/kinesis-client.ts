import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisService } from './test-services';

/**
 * A Kinesis client for a test service (kinesis-mock locally, LocalStack or real AWS elsewhere): its endpoint, region
 * and static credentials, over HTTP/1.1 (`NodeHttpHandler`). The SDK's default HTTP/2 handler fails against
 * kinesis-mock's plain port. `overrides` are applied last (e.g. `maxAttempts`). Callers own the client and must
 * `destroy()` it.
 */
export function kinesisClient(service: KinesisService, overrides: Partial<KinesisClientConfig> = {}): KinesisClient {
  return new KinesisClient({
    endpoint: service.endpoint,
    region: service.region,
    credentials: {
      accessKeyId: service.credentials.accessKeyId,
      secretAccessKey: service.credentials.secretAccessKey,
    },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
    ...overrides,
  });
}
