import { randomBytes } from 'node:crypto';
import { type Crc32c, crc32c, crc32cImplementation, crc32cJs } from './crc32c';

// kafkajs' own byte-at-a-time CRC32C (the one its record batch encoder used): the oracle for random buffers
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;

/** Standard CRC32C check values (the "123456789" check value of the Castagnoli CRC; RFC 3720 B.4 iSCSI vectors). */
const VECTORS: readonly [string, Buffer, number][] = [
  ['"123456789"', Buffer.from('123456789'), 0xe3069283],
  ['empty', Buffer.alloc(0), 0],
  ['32 zero bytes', Buffer.alloc(32, 0), 0x8a9136aa],
  ['32 bytes 0xff', Buffer.alloc(32, 0xff), 0x62a8ab43],
  ['bytes 0…31', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
  ['bytes 31…0', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
];

describe('crc32c', () => {
  // @node-rs/crc32 ships prebuilt binaries for these (and more); elsewhere the JavaScript fallback is expected
  const prebuilt = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'].includes(`${process.platform}-${process.arch}`);

  (prebuilt ? it : it.skip)('loads the native @node-rs/crc32 on this platform', () => {
    expect(crc32cImplementation).toBe('native');
  });

  describe.each([
    ['native (or its fallback)', crc32c],
    ['slicing-by-8 JavaScript', crc32cJs],
  ])('%s', (_name, crc) => {
    it.each(VECTORS)('gives the standard check value of %s', (_label, bytes, expected) => {
      expect(crc(bytes)).toBe(expected);
    });

    it('agrees with kafkajs on random buffers of every length up to 2 KiB and on 1 MiB', () => {
      for (let length = 0; length <= 2048; length += 7) {
        const bytes = randomBytes(length);
        expect(crc(bytes)).toBe(kafkajsCrc32c(bytes));
      }
      const big = randomBytes(1 << 20);
      expect(crc(big)).toBe(kafkajsCrc32c(big));
    });

    it('continues from an earlier CRC (a buffer in two pieces)', () => {
      const bytes = randomBytes(1000);
      for (const cut of [0, 1, 7, 8, 333, 1000]) {
        expect(crc(bytes.subarray(cut), crc(bytes.subarray(0, cut)))).toBe(crc(bytes));
      }
    });

    it('reads a view at its own offset (a subarray of a larger buffer)', () => {
      const bytes = randomBytes(100);
      expect(crc(bytes.subarray(21))).toBe(kafkajsCrc32c(Buffer.from(bytes.subarray(21))));
    });
  });

  it('falls back to JavaScript when the native module cannot load, or gives a wrong check value', () => {
    for (const factory of [
      () => {
        throw new Error('Cannot find native binding');
      },
      () => ({ crc32c: () => 0 }),
    ]) {
      jest.isolateModules(() => {
        jest.doMock('@node-rs/crc32', factory);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const isolated = require('./crc32c') as { crc32cImplementation: string; crc32c: Crc32c };
        expect(isolated.crc32cImplementation).toBe('javascript');
        expect(isolated.crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
      });
      jest.dontMock('@node-rs/crc32');
    }
  });
});
