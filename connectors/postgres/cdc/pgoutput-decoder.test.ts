import { decodePgoutput } from './pgoutput-decoder';
import { millisToPostgresTime } from './replication-messages';

/** Builds pgoutput messages byte by byte, the way the server lays them out. */
class MessageBuilder {
  private readonly parts: Buffer[] = [];

  char(text: string): this {
    this.parts.push(Buffer.from(text, 'latin1'));
    return this;
  }

  uint8(value: number): this {
    this.parts.push(Buffer.from([value]));
    return this;
  }

  int16(value: number): this {
    const buffer = Buffer.alloc(2);
    buffer.writeInt16BE(value);
    this.parts.push(buffer);
    return this;
  }

  int32(value: number): this {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    this.parts.push(buffer);
    return this;
  }

  uint32(value: number): this {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(value);
    this.parts.push(buffer);
    return this;
  }

  int64(value: bigint): this {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64BE(value);
    this.parts.push(buffer);
    return this;
  }

  cstring(text: string): this {
    this.parts.push(Buffer.from(text, 'utf8'), Buffer.from([0]));
    return this;
  }

  /** TupleData: `null`, `'u'` (unchanged TOAST), a string (text) or a Buffer (binary). */
  tuple(values: readonly (string | null | Buffer | 'u')[]): this {
    this.int16(values.length);
    for (const value of values) {
      if (value === null) this.char('n');
      else if (value === 'u') this.char('u');
      else if (Buffer.isBuffer(value)) this.char('b').int32(value.length).raw(value);
      else this.char('t').int32(Buffer.byteLength(value)).raw(Buffer.from(value, 'utf8'));
    }
    return this;
  }

  raw(buffer: Buffer): this {
    this.parts.push(buffer);
    return this;
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const message = (): MessageBuilder => new MessageBuilder();
const TIME = Date.UTC(2024, 4, 6, 7, 8, 9, 123);

describe('pgoutput decoder', () => {
  it('decodes Begin and Commit', () => {
    expect(decodePgoutput(message().char('B').int64(0x1_0000_0020n).int64(millisToPostgresTime(TIME)).uint32(4_000_000_000).build())).toEqual({
      tag: 'begin',
      finalLsn: 0x1_0000_0020n,
      commitTime: TIME,
      xid: 4_000_000_000,
    });
    expect(decodePgoutput(message().char('C').uint8(0).int64(0x20n).int64(0x48n).int64(millisToPostgresTime(TIME)).build())).toEqual({
      tag: 'commit',
      flags: 0,
      commitLsn: 0x20n,
      endLsn: 0x48n,
      commitTime: TIME,
    });
  });

  it('decodes a Relation with its key flags, types and modifiers', () => {
    const data = message()
      .char('R')
      .uint32(16_384)
      .cstring('public')
      .cstring('Orders')
      .char('d')
      .int16(2)
      .uint8(1)
      .cstring('id')
      .uint32(23)
      .int32(-1)
      .uint8(0)
      .cstring('note')
      .uint32(1043)
      .int32(68)
      .build();
    expect(decodePgoutput(data)).toEqual({
      tag: 'relation',
      relationOid: 16_384,
      schema: 'public',
      table: 'Orders',
      replicaIdentity: 'd',
      columns: [
        { isKey: true, name: 'id', typeOid: 23, typeModifier: -1 },
        { isKey: false, name: 'note', typeOid: 1043, typeModifier: 68 },
      ],
    });
  });

  it('decodes Type and Origin', () => {
    expect(decodePgoutput(message().char('Y').uint32(70_000).cstring('app').cstring('mood').build())).toEqual({
      tag: 'type',
      typeOid: 70_000,
      schema: 'app',
      name: 'mood',
    });
    expect(decodePgoutput(message().char('O').int64(0x99n).cstring('upstream').build())).toEqual({ tag: 'origin', originLsn: 0x99n, name: 'upstream' });
  });

  it('decodes an Insert with null, text (UTF-8) and binary columns', () => {
    const data = message().char('I').uint32(7).char('N').tuple(['1', null, 'grüße', Buffer.from([0, 255])]).build();
    expect(decodePgoutput(data)).toEqual({
      tag: 'insert',
      relationOid: 7,
      newTuple: [{ kind: 'text', text: '1' }, { kind: 'null' }, { kind: 'text', text: 'grüße' }, { kind: 'binary', bytes: Buffer.from([0, 255]) }],
    });
  });

  it('decodes Updates without an old tuple, with the old key (K) and with the old row (O)', () => {
    expect(decodePgoutput(message().char('U').uint32(7).char('N').tuple(['1', 'u']).build())).toEqual({
      tag: 'update',
      relationOid: 7,
      newTuple: [{ kind: 'text', text: '1' }, { kind: 'unchanged-toast' }],
    });
    expect(decodePgoutput(message().char('U').uint32(7).char('K').tuple(['1', null]).char('N').tuple(['2', 'x']).build())).toEqual({
      tag: 'update',
      relationOid: 7,
      oldKind: 'key',
      oldTuple: [{ kind: 'text', text: '1' }, { kind: 'null' }],
      newTuple: [
        { kind: 'text', text: '2' },
        { kind: 'text', text: 'x' },
      ],
    });
    expect(decodePgoutput(message().char('U').uint32(7).char('O').tuple(['1', 'a']).char('N').tuple(['1', 'b']).build())).toMatchObject({
      oldKind: 'old',
      oldTuple: [
        { kind: 'text', text: '1' },
        { kind: 'text', text: 'a' },
      ],
    });
  });

  it('decodes Deletes with the old key or the old row', () => {
    expect(decodePgoutput(message().char('D').uint32(9).char('K').tuple(['5', null]).build())).toEqual({
      tag: 'delete',
      relationOid: 9,
      oldKind: 'key',
      oldTuple: [{ kind: 'text', text: '5' }, { kind: 'null' }],
    });
    expect(decodePgoutput(message().char('D').uint32(9).char('O').tuple(['5', 'z']).build())).toMatchObject({ oldKind: 'old' });
  });

  it('decodes a Truncate of several relations with its options', () => {
    expect(decodePgoutput(message().char('T').int32(2).uint8(3).uint32(10).uint32(11).build())).toEqual({
      tag: 'truncate',
      cascade: true,
      restartIdentity: true,
      relationOids: [10, 11],
    });
    expect(decodePgoutput(message().char('T').int32(1).uint8(0).uint32(10).build())).toMatchObject({ cascade: false, restartIdentity: false });
  });

  it('decodes a logical decoding message', () => {
    const data = message().char('M').uint8(0).int64(0x77n).cstring('lockstep').int32(2).raw(Buffer.from('hi')).build();
    expect(decodePgoutput(data)).toEqual({ tag: 'message', transactional: false, lsn: 0x77n, prefix: 'lockstep', content: Buffer.from('hi') });
  });

  it('refuses unknown kinds, unexpected tuple kinds and truncated messages', () => {
    expect(() => decodePgoutput(message().char('Z').build())).toThrow(/unknown pgoutput message kind "Z"/);
    expect(() => decodePgoutput(message().char('I').uint32(7).char('K').tuple(['1']).build())).toThrow(/tuple kind "K"/);
    expect(() => decodePgoutput(message().char('D').uint32(7).char('N').tuple(['1']).build())).toThrow(/tuple kind "N"/);
    expect(() => decodePgoutput(message().char('I').uint32(7).char('N').int16(1).char('x').build())).toThrow(/column kind "x"/);
    expect(() => decodePgoutput(message().char('B').int64(1n).build())).toThrow(/truncated/);
    expect(() => decodePgoutput(message().char('I').uint32(7).char('N').int16(1).char('t').int32(10).raw(Buffer.from('abc')).build())).toThrow(/truncated/);
    expect(() => decodePgoutput(message().char('R').uint32(1).raw(Buffer.from('no-terminator')).build())).toThrow(/truncated/);
  });
});
