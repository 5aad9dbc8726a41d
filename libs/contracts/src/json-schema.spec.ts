import { schemaCheck } from './json-schema';

const check = schemaCheck({
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 5 },
    kind: { type: 'string', enum: ['a', 'b'], example: 'a' },
    labels: { type: 'object', propertyNames: { pattern: '^[a-z]+$' }, additionalProperties: { type: 'string' } },
    list: { type: 'array', items: { type: 'integer' } },
  },
});

describe('schemaCheck', () => {
  it('passes a valid value', () => {
    expect(check({ name: 'ok', kind: 'a', labels: { x: 'y' }, list: [1, 2] })).toEqual([]);
  });

  it('names every problem once, by JSON pointer, in words an operator can act on', () => {
    const issues = check({ kind: 'c', labels: { 'Bad/Name': 'v', ok: 3 }, list: [1, 'two'], 'extra~field': true });
    expect([...issues].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: '/extra~0field', message: 'is not a known field' },
      { path: '/kind', message: 'must be one of a, b' },
      { path: '/labels/Bad~1Name', message: expect.stringMatching(/^is not an allowed name: must match pattern/) },
      { path: '/labels/ok', message: 'must be string' },
      { path: '/list/1', message: 'must be integer' },
      { path: '/name', message: 'is required' },
    ]);
  });

  it('refuses what is not an object at the root', () => {
    expect(check([])).toEqual([{ path: '', message: 'must be object' }]);
  });
});
