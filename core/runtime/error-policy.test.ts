import pino from 'pino';
import { RecordError } from '../errors';
import { deadLetterRecord, ErrorPolicy } from './error-policy';
import { PipelineMetrics } from './pipeline-metrics';

describe('ErrorPolicy counts', () => {
  const refused = (): RecordError => new RecordError('bad', { value: 'x', origin: 'in/0@1' }, { code: 'LS_RECORD_INVALID' });

  it('counts a skipped record as bad, a dead-lettered one as bad and dead-lettered, per component', () => {
    const metrics = new PipelineMetrics();
    const letters: unknown[] = [];
    new ErrorPolicy({ policy: 'skip' }, pino({ level: 'silent' }), undefined, metrics).handle(refused(), 'parse');
    new ErrorPolicy({ policy: 'dead-letter', sink: 'dlq' }, pino({ level: 'silent' }), (letter) => letters.push(letter), metrics).handle(refused(), 'pg');
    expect(Object.fromEntries(metrics.badRecords)).toEqual({ parse: 1, pg: 1 });
    expect(metrics.deadLettered).toBe(1);
    expect(letters).toHaveLength(1);
  });

  it('counts the record that fails the pipeline under the fail policy', () => {
    const metrics = new PipelineMetrics();
    expect(() => new ErrorPolicy({ policy: 'fail' }, pino({ level: 'silent' }), undefined, metrics).handle(refused(), 'pg')).toThrow(/refused by pg/);
    expect(Object.fromEntries(metrics.badRecords)).toEqual({ pg: 1 });
    expect(metrics.deadLettered).toBe(0);
  });
});

describe('deadLetterRecord', () => {
  it('keeps the metadata, and the refused key and value: text as text, other bytes as base64', () => {
    const binary = Buffer.from([0xff, 0x00, 0xc3]);
    const record = { value: binary, key: Buffer.from('k-1'), headers: { h: 'v' }, timestamp: 5, origin: 'in/0@7' };
    const error = new RecordError('too big', record, { code: 'LS_KAFKA_RECORD_TOO_LARGE' });
    expect(deadLetterRecord({ record, error, componentId: 'out' })).toEqual({
      key: record.key,
      headers: { h: 'v' },
      timestamp: 5,
      origin: 'in/0@7',
      value: {
        error: { code: 'LS_KAFKA_RECORD_TOO_LARGE', message: 'too big', component: 'out' },
        origin: 'in/0@7',
        key: 'k-1',
        value: { base64: binary.toString('base64') },
      },
    });
  });

  it('gives null for a missing key and keeps parsed values as they are', () => {
    const record = { value: { id: 1 } };
    const letter = deadLetterRecord({ record, error: new Error('no'), componentId: 't' });
    expect(letter.value).toEqual({ error: { code: 'LS_UNKNOWN', message: 'no', component: 't' }, origin: null, key: null, value: { id: 1 } });
  });
});
