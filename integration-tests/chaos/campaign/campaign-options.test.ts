import { FAULT_KINDS, parseCampaignArguments, PIPELINE_NAMES } from './campaign-options';

describe('parseCampaignArguments', () => {
  it('defaults to every pipeline and fault, the given seed, 20 trials of 15,000 records', () => {
    expect(parseCampaignArguments([], 42)).toEqual({
      trials: 20,
      seed: 42,
      pipelines: [...PIPELINE_NAMES],
      faults: [...FAULT_KINDS],
      records: 15_000,
    });
  });

  it('reads every option', () => {
    const options = parseCampaignArguments(
      ['--trials', '200', '--seed', '7', '--pipelines', 'kafka-postgres, generator-file', '--faults', 'zombie', '--records', '1000',
        '--runs', '2-4', '--kafka-transaction-timeout', '20s', '--work-dir', '/tmp/x'],
      42,
    );
    expect(options).toEqual({
      trials: 200,
      seed: 7,
      pipelines: ['kafka-postgres', 'generator-file'],
      faults: ['zombie'],
      records: 1000,
      faultedRuns: [2, 4],
      kafkaTransactionTimeout: '20s',
      workDir: '/tmp/x',
    });
  });

  it('refuses bad values with a line naming the option', () => {
    expect(() => parseCampaignArguments(['--trials', '0'], 1)).toThrow("--trials must be at least 1, got '0'");
    expect(() => parseCampaignArguments(['--seed=-3'], 1)).toThrow("--seed must be a whole number ≥ 0, got '-3'");
    expect(() => parseCampaignArguments(['--records', '1.5'], 1)).toThrow('--records must be a whole number');
    expect(() => parseCampaignArguments(['--pipelines', 'kafka-mysql'], 1)).toThrow("--pipelines: unknown 'kafka-mysql'");
    expect(() => parseCampaignArguments(['--faults', ','], 1)).toThrow('--faults is empty');
    expect(() => parseCampaignArguments(['--trails', '3'], 1)).toThrow("Unknown option '--trails'");
    expect(() => parseCampaignArguments(['--runs', '4-2'], 1)).toThrow("--runs must be MIN-MAX with MIN ≤ MAX, got '4-2'");
    expect(() => parseCampaignArguments(['--kafka-transaction-timeout', '20'], 1)).toThrow('must be a duration such as 20s');
  });
});
