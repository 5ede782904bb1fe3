/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`, which its default partitioner applies to a record's key bytes),
 * in 32-bit integer arithmetic. Gives what kafkajs' `murmur2` gives — the default partitioner's hash — without its
 * 64-bit `Long` objects, which cost about a tenth of a saturated Kafka → Kafka pipeline's CPU (docs/benchmarks.md).
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (data[whole + 1] as number) << 8;
  if (rest >= 1) h = Math.imul(h ^ (data[whole] as number), m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner gives a record with this key (kafkajs: `String(key)` unless a Buffer). */
export function keyPartition(key: Buffer | string, partitions: number): number {
  return (murmur2(Buffer.isBuffer(key) ? key : Buffer.from(String(key))) & 0x7fffffff) % partitions;
}
