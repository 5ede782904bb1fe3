/**
 * Setup file of the jest project `integration-kafka3` (jest.config.js): runs in each of its test files before the
 * file itself, in that file's own copy of `process.env`. `testServices().kafka` becomes the 3.9 broker (the `kafka3`
 * service), so the Kafka suites run unchanged against it.
 */
import { KAFKA_SERVICE_ENV_VAR } from './index';

process.env[KAFKA_SERVICE_ENV_VAR] = 'kafka3';
// One seed of the Kafka → Kafka crash trial against the older broker (the 4.x project runs two): keeps CI time modest.
process.env.LOCKSTEP_KAFKA_CRASH_SEEDS ??= '7';
