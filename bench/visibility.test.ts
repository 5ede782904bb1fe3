import { partitionLatencies, pollGaps, summarize, weightedPercentile, type OffsetsPoll } from './visibility';

const polls = (rows: readonly (readonly [number, number, number])[]): OffsetsPoll[] =>
  rows.map(([at, highWatermark, stableOffset]) => ({ at, highWatermark, stableOffset }));

describe('partitionLatencies', () => {
  it('times each offset from the first poll that saw it appended to the first that saw it visible', () => {
    const result = partitionLatencies(
      polls([
        [1000, 0, 0],
        [1015, 4, 0], // 0–3 appended
        [1030, 10, 0], // 4–9 appended
        [1045, 10, 4], // 0–3 visible: 30 ms
        [1060, 12, 12], // 4–9 visible: 30 ms; 10–11 appended and visible in one poll: 0 ms
      ]),
    );
    expect(result.segments).toEqual([
      { latencyMs: 30, records: 10 },
      { latencyMs: 0, records: 2 },
    ]);
    expect(result.appendedBeforeWatch).toBe(0);
    expect(result.notVisible).toBe(0);
  });

  it('splits a transaction that became visible at once by the polls that saw its records appended', () => {
    const result = partitionLatencies(
      polls([
        [0, 0, 0],
        [20, 100, 0],
        [40, 300, 0],
        [60, 300, 301], // the commit marker at 300 is an offset too
        [80, 301, 301],
      ]),
    );
    expect(result.segments).toEqual([
      { latencyMs: 40, records: 100 },
      { latencyMs: 20, records: 200 },
      { latencyMs: 0, records: 1 },
    ]);
  });

  it('leaves out the offsets appended before the first poll, and counts those never seen visible', () => {
    const result = partitionLatencies(
      polls([
        [0, 50, 40],
        [10, 80, 50],
        [20, 90, 70],
      ]),
    );
    expect(result.appendedBeforeWatch).toBe(50);
    expect(result.segments).toEqual([{ latencyMs: 10, records: 20 }]);
    expect(result.notVisible).toBe(20);
  });

  it('reads a high watermark below the stable offset of the same poll as that offset, and offsets as never going down', () => {
    const result = partitionLatencies(
      polls([
        [0, 0, 0],
        [10, 5, 8], // the high watermark was read first; 8 offsets were there
        [20, 3, 8], // a stale answer
        [30, 8, 8],
      ]),
    );
    expect(result.segments).toEqual([{ latencyMs: 0, records: 8 }]);
    expect(result.notVisible).toBe(0);
  });

  it('has nothing to say without polls', () => {
    expect(partitionLatencies([])).toEqual({ segments: [], appendedBeforeWatch: 0, notVisible: 0 });
  });
});

describe('weightedPercentile', () => {
  it('ranks records, not segments', () => {
    const segments = [
      { latencyMs: 500, records: 1 },
      { latencyMs: 0, records: 98 },
      { latencyMs: 100, records: 1 },
    ];
    expect(weightedPercentile(segments, 50)).toBe(0);
    expect(weightedPercentile(segments, 98)).toBe(0);
    expect(weightedPercentile(segments, 99)).toBe(100);
    expect(weightedPercentile(segments, 100)).toBe(500);
    expect(weightedPercentile(segments, 0)).toBe(0);
  });

  it('is undefined without records', () => {
    expect(weightedPercentile([], 50)).toBeUndefined();
    expect(weightedPercentile([{ latencyMs: 7, records: 0 }], 50)).toBeUndefined();
  });
});

describe('summarize', () => {
  it('pools the partitions, every offset weighing the same', () => {
    const one = partitionLatencies(polls([[0, 0, 0], [10, 1, 0], [1010, 1, 1]]));
    const other = partitionLatencies(polls([[0, 10, 10], [10, 109, 10], [20, 109, 109], [30, 120, 109]]));
    expect(summarize([one, other])).toEqual({ records: 100, p50Ms: 10, p99Ms: 10, maxMs: 1000, appendedBeforeWatch: 10, notVisible: 11 });
  });

  it('says nothing was measured', () => {
    expect(summarize([])).toEqual({ records: 0, p50Ms: undefined, p99Ms: undefined, maxMs: undefined, appendedBeforeWatch: 0, notVisible: 0 });
  });
});

describe('pollGaps', () => {
  it('is the time between successive polls', () => {
    expect(pollGaps([100, 115, 131, 160])).toEqual([15, 16, 29]);
    expect(pollGaps([5])).toEqual([]);
  });
});
