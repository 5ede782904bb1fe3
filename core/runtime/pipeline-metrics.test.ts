import { percentile, PipelineMetrics } from './pipeline-metrics';

describe('PipelineMetrics', () => {
  it('keeps totals and per-component counts together', () => {
    const metrics = new PipelineMetrics();
    metrics.countIn('orders', 5);
    metrics.countIn('refunds', 2);
    metrics.countIn('orders', 1);
    metrics.countOut('pg', 7);
    metrics.countBadRecord('parse', false);
    metrics.countBadRecord('pg', true);
    expect({ in: metrics.recordsIn, out: metrics.recordsOut, deadLettered: metrics.deadLettered }).toEqual({ in: 8, out: 7, deadLettered: 1 });
    expect(Object.fromEntries(metrics.recordsInBySource)).toEqual({ orders: 6, refunds: 2 });
    expect(Object.fromEntries(metrics.recordsOutBySink)).toEqual({ pg: 7 });
    expect(Object.fromEntries(metrics.badRecords)).toEqual({ parse: 1, pg: 1 });
  });

  it('keeps the latest lag per source and split', () => {
    const metrics = new PipelineMetrics();
    metrics.reportLag('orders', 'orders-0', 'records', 40);
    metrics.reportLag('orders', 'orders-0', 'records', 3);
    metrics.reportLag('stream', 'shardId-000', 'milliseconds', 1_500);
    expect([...metrics.sourceLag.values()]).toEqual([
      { sourceId: 'orders', split: 'orders-0', unit: 'records', value: 3 },
      { sourceId: 'stream', split: 'shardId-000', unit: 'milliseconds', value: 1_500 },
    ]);
  });

  it('keeps the last 10,000 checkpoint durations for percentiles (a service runs for months)', () => {
    const metrics = new PipelineMetrics();
    for (let id = 1; id <= 10_050; id += 1) metrics.recordCheckpoint(id, id);
    expect(metrics.checkpointsCompleted).toBe(10_050);
    expect(metrics.checkpointDurations).toHaveLength(10_000);
    expect(metrics.checkpointDurations[0]).toBe(51);
    expect(percentile(metrics.checkpointDurations, 100)).toBe(10_050);
  });
});
