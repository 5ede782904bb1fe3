import { ERROR_CODES, errorCatalogue, errorFacts, postgresStateCode } from './error-codes';
import { LockstepError } from './lockstep-error';
import { RecordError } from './record-error';

describe('error catalogue', () => {
  it('names every code LS_<WHAT> and describes it on one line', () => {
    for (const facts of errorCatalogue()) {
      expect(facts.code).toMatch(/^LS_[A-Z0-9_<>]+$/);
      expect(facts.description.length).toBeGreaterThan(10);
      expect(facts.description).not.toMatch(/[\n|]/);
    }
  });

  it('never calls a fatal code retriable', () => {
    for (const facts of errorCatalogue().filter((candidate) => candidate.fatal)) expect(facts.retriable).toBe('no');
  });

  it('gives each code its facts, and the SQLSTATE family those of LS_POSTGRES_<SQLSTATE>', () => {
    expect(errorFacts('LS_KAFKA_FENCED')).toMatchObject({ retriable: 'no', fenced: true, fatal: false, dataLoss: false });
    expect(errorFacts('LS_KAFKA_INTERNALS')).toMatchObject({ retriable: 'no', fatal: true });
    expect(errorFacts('LS_POSTGRES_CDC_POSITION_LOST')).toMatchObject({ dataLoss: true });
    expect(errorFacts('LS_POSTGRES_40P01')).toMatchObject({ code: 'LS_POSTGRES_40P01', retriable: 'by-cause', fatal: false });
    expect(errorFacts('LS_POSTGRES_VALUE')?.retriable).toBe('no');
    expect(errorFacts('LS_NOT_A_CODE')).toBeUndefined();
    expect(errorFacts('toString')).toBeUndefined();
  });

  it('builds LS_POSTGRES_<SQLSTATE> only from a SQLSTATE', () => {
    expect(postgresStateCode('55P03')).toBe('LS_POSTGRES_55P03');
    expect(postgresStateCode('unknown')).toBe('LS_POSTGRES_CONNECTION');
    expect(postgresStateCode('VALUE')).toBe('LS_POSTGRES_CONNECTION');
  });
});

describe('LockstepError facts from the catalogue', () => {
  it('defaults retriable to the code’s fact, and lets a call site decide', () => {
    expect(new LockstepError('lost', { code: 'LS_KAFKA_CONNECTION' }).retriable).toBe(true);
    expect(new LockstepError('bad', { code: 'LS_CONFIG_INVALID' }).retriable).toBe(false);
    expect(new LockstepError('io', { code: 'LS_FILE_IO' }).retriable).toBe(false);
    expect(new LockstepError('io', { code: 'LS_FILE_IO', retriable: true }).retriable).toBe(true);
    expect(new LockstepError('lost', { code: 'LS_KAFKA_CONNECTION', retriable: false }).retriable).toBe(false);
  });

  it('never makes a fatal code retriable', () => {
    expect(new LockstepError('changed', { code: 'LS_KAFKA_INTERNALS', retriable: true }).retriable).toBe(false);
  });

  it('keeps a RecordError not retriable whatever its code', () => {
    expect(new RecordError('bad', { value: 1 }, { code: 'LS_FILE_NO_SPACE' }).retriable).toBe(false);
  });

  it('marks retriable the codes the engine restarts after', () => {
    const retriable = Object.entries(ERROR_CODES).filter(([, entry]) => entry.retriable === 'yes').map(([code]) => code);
    expect(retriable).toEqual(
      expect.arrayContaining(['LS_COMMIT_FAILED', 'LS_COMMITS_PENDING', 'LS_KAFKA_CONNECTION', 'LS_RUNTIME_CHANNEL_CLOSED', 'LS_UNKNOWN']),
    );
  });
});
