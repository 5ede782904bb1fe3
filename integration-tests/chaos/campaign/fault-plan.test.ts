import { FAULT_KINDS, PIPELINE_NAMES } from './campaign-options';
import { describeFault, faultKindsFor, planTrial } from './fault-plan';

describe('planTrial', () => {
  it('gives the same plan for the same seed, and another for another seed', () => {
    expect(planTrial(3, 1234, 'kafka-postgres', FAULT_KINDS)).toEqual(planTrial(3, 1234, 'kafka-postgres', FAULT_KINDS));
    const plans = new Set([1, 2, 3, 4, 5].map((seed) => JSON.stringify(planTrial(0, seed, 'kafka-postgres', FAULT_KINDS).faults)));
    expect(plans.size).toBeGreaterThan(1);
  });

  it('plans 3 to 6 faulted runs of the allowed kinds a pipeline feels', () => {
    for (const pipeline of PIPELINE_NAMES) {
      const feels = faultKindsFor(pipeline, FAULT_KINDS);
      for (let seed = 0; seed < 200; seed += 1) {
        const { faults } = planTrial(seed, seed, pipeline, FAULT_KINDS);
        expect(faults.length).toBeGreaterThanOrEqual(3);
        expect(faults.length).toBeLessThanOrEqual(6);
        for (const fault of faults) expect(feels).toContain(fault.kind);
      }
    }
  });

  it('restarts only the services a pipeline uses', () => {
    expect(faultKindsFor('generator-file', FAULT_KINDS)).toEqual(['sigkill', 'fail-point', 'zombie']);
    expect(faultKindsFor('kafka-kafka', FAULT_KINDS)).toEqual(['sigkill', 'fail-point', 'zombie', 'kafka-restart']);
    expect(faultKindsFor('cdc-kafka', FAULT_KINDS)).toEqual([...FAULT_KINDS]);
    expect(planTrial(0, 1, 'generator-file', ['kafka-restart', 'postgres-restart']).faults).toEqual([]);
  });

  it('draws every kind over a few seeds, and describes each', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 50; seed += 1) {
      for (const fault of planTrial(0, seed, 'cdc-kafka', FAULT_KINDS).faults) {
        seen.add(fault.kind);
        expect(describeFault(fault)).toMatch(/^(sigkill@|after-checkpoint-saved@|during-commit@|zombie@|kafka-restart@|postgres-restart@)/);
      }
    }
    expect([...seen].sort()).toEqual([...FAULT_KINDS].sort());
  });
});
