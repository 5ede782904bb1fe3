import { LockstepError } from '../../core/sdk';
import { FieldPath } from './field-path';

const site = { component: 'm', option: 'set' };

describe('FieldPath', () => {
  it.each([
    ['total', ['total']],
    ['customer.id', ['customer', 'id']],
    ['meta["content-type"]', ['meta', 'content-type']],
    ["['odd key'].x", ['odd key', 'x']],
    ['a.in.null', ['a', 'in', 'null']],
    ['a["b.c"]', ['a', 'b.c']],
  ])('parses %s', (text, segments) => {
    const path = FieldPath.parse(text, site);
    expect(path.segments).toEqual(segments);
    expect(path.text).toBe(text);
  });

  it.each([
    ['', 1, 'expected a field name but found the end of the path'],
    ['a.', 3, 'expected a field name'],
    ['a[0]', 3, 'expected a quoted field name inside [...]'],
    ['a["b"', 6, "expected ']'"],
    ['content-type', 8, `quote names with '-' in brackets, like ["content-type"]`],
    ['a b', 3, "expected '.', '[' or the end"],
    ['value.a + 1', 9, "expected '.', '[' or the end"],
  ])('refuses %j at column %d', (text, column, message) => {
    let error: unknown;
    try {
      FieldPath.parse(text, site);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LockstepError);
    const lockstepError = error as LockstepError;
    expect(lockstepError.code).toBe('LS_TRANSFORM_MAP_FIELD_PATH');
    expect(lockstepError.context['column']).toBe(column);
    expect(lockstepError.message).toContain(message);
  });

  it('knows which paths lie below another', () => {
    const a = FieldPath.parse('a', site);
    const ab = FieldPath.parse('a.b', site);
    expect(a.covers(ab)).toBe(true);
    expect(a.covers(a)).toBe(true);
    expect(ab.covers(a)).toBe(false);
    expect(FieldPath.parse('ab', site).covers(ab)).toBe(false);
  });
});
