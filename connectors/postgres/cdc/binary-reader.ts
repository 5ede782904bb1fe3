import { LockstepError } from '../../../core/sdk';

/** Reads the big-endian integers and NUL-terminated strings of the Postgres wire formats from one buffer. */
export class BinaryReader {
  private offset = 0;

  constructor(
    private readonly buffer: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  uint8(): number {
    this.need(1);
    return this.buffer.readUInt8(this.offset++);
  }

  /** One byte as a character (message and column kinds: `B`, `n`, `t`…). */
  char(): string {
    return String.fromCharCode(this.uint8());
  }

  int16(): number {
    this.need(2);
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** A signed 64-bit integer (timestamps). */
  int64(): bigint {
    this.need(8);
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** An unsigned 64-bit integer (LSNs). */
  uint64(): bigint {
    this.need(8);
    const value = this.buffer.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = this.buffer.indexOf(0, this.offset);
    if (end < 0) throw this.truncated();
    const text = this.buffer.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return text;
  }

  bytes(length: number): Buffer {
    this.need(length);
    const slice = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  /** Everything not read yet. */
  rest(): Buffer {
    const slice = this.buffer.subarray(this.offset);
    this.offset = this.buffer.length;
    return slice;
  }

  private need(length: number): void {
    if (length < 0 || this.offset + length > this.buffer.length) throw this.truncated();
  }

  private truncated(): Error {
    return new LockstepError(`${this.what} is truncated (${this.buffer.length} bytes)`, { code: 'LS_POSTGRES_CDC_PROTOCOL' });
  }
}
