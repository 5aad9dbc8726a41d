import { readAllPages, versionCondition } from './versioned-items';

describe('readAllPages', () => {
  it('follows LastEvaluatedKey until DynamoDB returns none, in order', async () => {
    const starts: unknown[] = [];
    const pages = [
      { Items: [{ n: 1 }, { n: 2 }], LastEvaluatedKey: { k: 'a' } },
      { Items: [], LastEvaluatedKey: { k: 'b' } },
      { Items: [{ n: 3 }] },
    ];
    const items = await readAllPages(async (start) => {
      starts.push(start);
      return pages[starts.length - 1];
    });
    expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(starts).toEqual([undefined, { k: 'a' }, { k: 'b' }]);
  });
});

describe('versionCondition', () => {
  it('creates only when absent, replaces only the expected version, or writes unconditionally', () => {
    expect(versionCondition('ruleId', null)).toEqual({ ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': 'ruleId' } });
    expect(versionCondition('ruleId', 4)).toEqual({
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':version': 4 },
    });
    expect(versionCondition('ruleId', undefined)).toEqual({});
  });
});
