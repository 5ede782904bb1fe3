/**
 * `npm run chaos -- --trials N [--seed S] [--pipelines …] [--faults …] [--records R]` — the randomized fault campaign
 * (docs/testing.md, "Fault campaign"). Starts Kafka and Postgres through the test services' supervisor (local
 * provider: they must be restartable), runs the trials, prints one line per trial and the table, exits 1 on any
 * violation.
 */
import globalSetup from '../../env/global-setup';
import globalTeardown from '../../env/global-teardown';
import { testServices } from '../../env';
import { CAMPAIGN_USAGE, parseCampaignArguments, type CampaignOptions } from './campaign-options';
import { runCampaign } from './campaign';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  let options: CampaignOptions;
  try {
    options = parseCampaignArguments(process.argv.slice(2), Date.now() % 1_000_000);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${CAMPAIGN_USAGE}\n`);
    return 2;
  }
  process.env.LOCKSTEP_TEST_SERVICES ??= 'local';
  process.env.LOCKSTEP_TEST_SERVICES_ONLY ??= 'kafka,postgres';
  const startedAt = Date.now();
  await globalSetup();
  try {
    const services = testServices();
    const outcome = await runCampaign(
      options,
      { brokers: services.kafka.brokers, postgresUrl: services.postgres.url },
      say,
    );
    say(`\n${outcome.table}\n`);
    say(`${outcome.results.length} trials in ${((Date.now() - startedAt) / 60_000).toFixed(1)} min, seed ${options.seed}: ` +
      (outcome.failed === 0 ? 'no violations' : `${outcome.failed} trials FAILED`));
    return outcome.failed === 0 ? 0 : 1;
  } finally {
    await globalTeardown();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos campaign failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
