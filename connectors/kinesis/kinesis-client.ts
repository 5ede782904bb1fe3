import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Where and as whom a Kinesis connector talks (the connection part of its config). */
export interface KinesisConnection {
  readonly stream: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

/** How requests name the stream: `StreamARN` when the config gives an ARN, else `StreamName`. */
export type StreamReference = { readonly StreamName: string } | { readonly StreamARN: string };

const ARN = /^arn:aws[a-z-]*:kinesis:([a-z0-9-]+):[0-9]{12}:stream\/(.+)$/;

/** The request field naming `stream` (a name or an ARN). */
export function streamReference(stream: string): StreamReference {
  return ARN.test(stream) ? { StreamARN: stream } : { StreamName: stream };
}

/** The stream's name (the last part of an ARN). */
export function streamName(stream: string): string {
  return ARN.exec(stream)?.[2] ?? stream;
}

/**
 * A Kinesis client for `connection`: the region given (or the ARN's, or the SDK's default), the endpoint given, static
 * credentials when set (else the SDK's default chain), and HTTP/1.1 (`NodeHttpHandler`): AWS serves it, and emulators
 * such as kinesis-mock serve nothing else on their plain port. The SDK's own retries are left to lockstep's (1 attempt
 * would hide nothing; 3 keep short network blips out of the logs). The caller owns the client and must `destroy()` it.
 */
export function createKinesisClient(connection: KinesisConnection): KinesisClient {
  const region = connection.region ?? ARN.exec(connection.stream)?.[1];
  return new KinesisClient({
    ...(region === undefined ? {} : { region }),
    ...(connection.endpoint === undefined ? {} : { endpoint: connection.endpoint }),
    ...(connection.credentials === undefined ? {} : { credentials: { ...connection.credentials } }),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
    maxAttempts: 3,
  });
}
