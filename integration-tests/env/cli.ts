/**
 * `npm run services` — starts the test services in the foreground (provider chosen as for the tests) and prints
 * their URLs until Ctrl-C. `npm run services -- prepare` only downloads and caches what a start needs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseProvider, requestedServices } from './choose-provider';
import { EXTERNAL_VARIABLES } from './external-provider';
import { providerContext, startServiceRun } from './service-run';
import type { ProvisionedServices } from './service-provider';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

async function prepare(): Promise<void> {
  const provider = await chooseProvider();
  const names = requestedServices();
  const runDir = await mkdtemp(join(tmpdir(), 'lockstep-prepare-'));
  const startedAt = Date.now();
  try {
    await provider.prepare(names, providerContext(runDir, say));
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
  say(`prepared ${names.join(', ')} for the ${provider.name} provider in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

function exportLines(services: ProvisionedServices): string[] {
  const lines: string[] = [];
  if (services.kafka) lines.push(`${EXTERNAL_VARIABLES.kafka}=${services.kafka.brokers.join(',')}`);
  if (services.kafka3) lines.push(`${EXTERNAL_VARIABLES.kafka3}=${services.kafka3.brokers.join(',')}`);
  if (services.postgres) lines.push(`${EXTERNAL_VARIABLES.postgres}=${services.postgres.url}`);
  if (services.elasticsearch) lines.push(`${EXTERNAL_VARIABLES.elasticsearch}=${services.elasticsearch.url}`);
  if (services.kinesis) {
    lines.push(`${EXTERNAL_VARIABLES.kinesis}=${services.kinesis.endpoint}`);
    lines.push(`LOCKSTEP_KINESIS_REGION=${services.kinesis.region}`);
    lines.push(`AWS_ACCESS_KEY_ID=${services.kinesis.credentials.accessKeyId}`);
    lines.push(`AWS_SECRET_ACCESS_KEY=${services.kinesis.credentials.secretAccessKey}`);
  }
  return lines.map((line) => `export ${line}`);
}

async function serve(): Promise<void> {
  const startedAt = Date.now();
  const run = await startServiceRun(say);
  say(`\nall services ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s:\n`);
  say(JSON.stringify(run.running.services, null, 2));
  say('\nTo run the tests against these services from another shell:\n');
  for (const line of exportLines(run.running.services)) say(line);
  say('LOCKSTEP_TEST_SERVICES=external npm run test:integration\n\nCtrl-C stops them.');
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve());
  });
  say('stopping services…');
  await run.stop();
  say('stopped.');
}

const command = process.argv[2] ?? 'start';
const main = command === 'prepare' ? prepare : command === 'start' ? serve : undefined;
if (main === undefined) {
  process.stderr.write(`usage: npm run services [-- start|prepare]\n`);
  process.exit(2);
}
main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
