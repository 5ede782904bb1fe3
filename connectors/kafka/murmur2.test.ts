import { randomBytes } from 'node:crypto';
import { keyPartition, murmur2 } from './murmur2';

// kafkajs' own murmur2 (64-bit Long arithmetic): the reference this one must match bit for bit.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;

describe('murmur2', () => {
  it("gives kafkajs' murmur2 for keys of every length and content", () => {
    for (let length = 0; length < 70; length += 1) {
      for (let round = 0; round < 20; round += 1) {
        const key = randomBytes(length);
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }
    }
    for (const key of ['', 'a', 'ab', 'abc', 'abcd', 'r-12345', 'ключ', '鍵🔑']) expect(murmur2(Buffer.from(key))).toBe(kafkajsMurmur2(key));
  });

  it("gives the Java client's known hashes", () => {
    // From Kafka's UtilsTest.testMurmur2.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Buffer.from([97, 98, 99]))).toBe(479470107);
  });

  it('partitions a key as the default partitioner: positive hash modulo the partition count', () => {
    for (const key of ['k', 'r-1', 'r-2', Buffer.from([0xff, 0xfe, 0xfd])]) {
      expect(keyPartition(key, 7)).toBe((kafkajsMurmur2(key) & 0x7fffffff) % 7);
    }
  });
});
