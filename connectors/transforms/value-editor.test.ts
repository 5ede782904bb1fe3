import { FieldPath } from './field-path';
import { FieldPathConflict, ValueEditor } from './value-editor';

const path = (text: string): FieldPath => FieldPath.parse(text, { component: 'm', option: 'set' });

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('ValueEditor', () => {
  it('writes into a copy, sharing untouched subtrees and never modifying the original', () => {
    const original = deepFreeze({ a: { b: 1, c: 2 }, untouched: { x: [1, 2] } });
    const editor = new ValueEditor(original);
    editor.set(path('a.b'), 10);
    editor.set(path('a.d'), 4);
    editor.set(path('new.deep.field'), 'v');
    editor.remove(path('a.c'));
    expect(editor.result).toEqual({ a: { b: 10, d: 4 }, untouched: { x: [1, 2] }, new: { deep: { field: 'v' } } });
    expect(original).toEqual({ a: { b: 1, c: 2 }, untouched: { x: [1, 2] } });
    expect(editor.result['untouched']).toBe(original.untouched);
  });

  it('replaces a null intermediate with an object', () => {
    const editor = new ValueEditor({ customer: null });
    editor.set(path('customer.id'), 7);
    expect(editor.result).toEqual({ customer: { id: 7 } });
  });

  it('copies an object it wrote before writing inside it, so values taken from the record stay intact', () => {
    const shared = deepFreeze({ id: 1 });
    const editor = new ValueEditor({});
    editor.set(path('copy'), shared);
    editor.set(path('copy.extra'), true);
    expect(editor.result).toEqual({ copy: { id: 1, extra: true } });
    expect(shared).toEqual({ id: 1 });
  });

  it('refuses to write through a field that is not an object', () => {
    const editor = new ValueEditor({ customer: 'c-1', list: [1] });
    expect(() => editor.set(path('customer.id'), 1)).toThrow(FieldPathConflict);
    expect(() => editor.set(path('customer.id'), 1)).toThrow("cannot set 'customer.id': 'customer' is a string");
    expect(() => editor.set(path('list.x'), 1)).toThrow("'list' is a list");
  });

  it('ignores removals of paths that do not exist', () => {
    const editor = new ValueEditor({ a: 'text', b: 1 });
    editor.remove(path('missing'));
    editor.remove(path('a.x'));
    editor.remove(path('missing.x.y'));
    expect(editor.result).toEqual({ a: 'text', b: 1 });
  });

  it('treats __proto__ as a plain field name, never as the prototype', () => {
    const editor = new ValueEditor({});
    editor.set(path('["__proto__"].polluted'), true);
    expect(Object.getPrototypeOf(editor.result)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys(editor.result)).toEqual(['__proto__']);
    expect(JSON.stringify(editor.result)).toBe('{"__proto__":{"polluted":true}}');
  });
});
