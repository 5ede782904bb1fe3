import { formatLsn, maxLsn, parseLsn } from './lsn';

describe('log sequence numbers', () => {
  it('round-trips the X/Y text form', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(formatLsn(parseLsn('0/0'))).toBe('0/0');
    expect(formatLsn(parseLsn('FFFFFFFF/FFFFFFFF'))).toBe('FFFFFFFF/FFFFFFFF');
    expect(parseLsn('0/a')).toBe(10n);
  });

  it('refuses anything else', () => {
    for (const text of ['', '16', '16/', '/1', '1/2/3', 'G/1', '123456789/0']) expect(() => parseLsn(text)).toThrow(/not a log sequence number/);
  });

  it('picks the larger', () => {
    expect(maxLsn(1n, 2n)).toBe(2n);
    expect(maxLsn(5n, 2n)).toBe(5n);
  });
});
