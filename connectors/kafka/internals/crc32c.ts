/**
 * CRC32C (Castagnoli) of a record batch, the checksum Kafka's RecordBatch v2 carries. kafkajs computes it one byte at
 * a time in JavaScript (17–18 % of the saturated sink's CPU, docs/benchmarks.md); lockstep uses `@node-rs/crc32`, a
 * maintained napi-rs library with the SSE4.2 / ARMv8 CRC instructions, and falls back to a slicing-by-8 table in
 * JavaScript where its native module cannot load (a platform without a prebuilt binary).
 */

/** CRC32C of `bytes`, continuing from `initial` (the CRC of the bytes before, 0 to start). */
export type Crc32c = (bytes: Uint8Array, initial?: number) => number;

const POLYNOMIAL = 0x82f63b78; // Castagnoli, reflected

/** Eight 256-entry tables in one array: entry `k * 256 + n` is the CRC of byte n followed by k zero bytes. */
function slicingTable(): Uint32Array {
  const table = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n += 1) {
    let crc = n;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    table[n] = crc >>> 0;
  }
  for (let k = 256; k < 8 * 256; k += 1) {
    const previous = table[k - 256] as number;
    table[k] = (previous >>> 8) ^ (table[previous & 0xff] as number);
  }
  return table;
}

let table: Uint32Array | undefined;

/** CRC32C in JavaScript, slicing by 8 (several times kafkajs' byte-at-a-time loop). */
export function crc32cJs(bytes: Uint8Array, initial = 0): number {
  table ??= slicingTable();
  const t = table;
  let crc = ~initial >>> 0;
  let i = 0;
  const whole = bytes.length - (bytes.length % 8);
  while (i < whole) {
    const low = crc ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
    crc =
      (t[0x700 + (low & 0xff)] as number) ^
      (t[0x600 + ((low >>> 8) & 0xff)] as number) ^
      (t[0x500 + ((low >>> 16) & 0xff)] as number) ^
      (t[0x400 + (low >>> 24)] as number) ^
      (t[0x300 + (bytes[i + 4] as number)] as number) ^
      (t[0x200 + (bytes[i + 5] as number)] as number) ^
      (t[0x100 + (bytes[i + 6] as number)] as number) ^
      (t[bytes[i + 7] as number] as number);
    i += 8;
  }
  for (; i < bytes.length; i += 1) crc = (t[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}

function loadNative(): Crc32c | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const native = require('@node-rs/crc32') as { crc32c(input: Uint8Array, initial?: number): number };
    // a wrong binary would corrupt every batch: check the standard vector before trusting it
    if (native.crc32c(Buffer.from('123456789')) !== 0xe3069283) return undefined;
    return (bytes, initial) => native.crc32c(bytes, initial ?? 0) >>> 0;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which implementation {@link crc32c} is (for logs and the benchmarks page). */
export const crc32cImplementation: 'native' | 'javascript' = native === undefined ? 'javascript' : 'native';

/** CRC32C: `@node-rs/crc32` when it loads, else {@link crc32cJs}. */
export const crc32c: Crc32c = native ?? crc32cJs;
