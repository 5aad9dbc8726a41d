import { JsonSyntaxError, parseJsonDocument, parseNdjson } from './json-body';

describe('parseJsonDocument', () => {
  it('parses plain JSON', () => {
    expect(parseJsonDocument('{"a":[1,true,"x"]}')).toEqual({ a: [1, true, 'x'] });
  });

  it('reads bare NaN and Infinity as non-finite numbers so validation can name the field', () => {
    const doc = parseJsonDocument('{"metrics":{"t":NaN,"u":-Infinity,"v":Infinity}}') as {
      metrics: Record<string, number>;
    };
    expect(Number.isNaN(doc.metrics.t)).toBe(true);
    expect(doc.metrics.u).toBe(-Infinity);
    expect(doc.metrics.v).toBe(Infinity);
  });

  it('leaves NaN inside strings alone', () => {
    expect(parseJsonDocument('{"mode":"NaN mode","x":NaN}')).toMatchObject({ mode: 'NaN mode' });
  });

  it('throws JsonSyntaxError for malformed JSON', () => {
    expect(() => parseJsonDocument('{"a":')).toThrow(JsonSyntaxError);
    expect(() => parseJsonDocument('{"a": Nope}')).toThrow(/malformed JSON/);
  });
});

describe('parseNdjson', () => {
  it('parses one document per line and skips blank lines', () => {
    expect(parseNdjson('{"a":1}\n\n{"a":2}\n')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('names the line of a broken document', () => {
    expect(() => parseNdjson('{"a":1}\n{"a":\n')).toThrow(/line 2/);
  });
});
