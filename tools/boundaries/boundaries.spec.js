'use strict';
const { violations } = require('./boundaries');

const node = (...tags) => ({ data: { tags } });
const graph = (nodes, deps) => ({ nodes, dependencies: Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v.map((target) => ({ target }))])) });

describe('module boundaries', () => {
  it('lets services and libraries depend on libraries', () => {
    const g = graph(
      { rules: node('type:service'), kafka: node('type:lib'), contracts: node('type:lib'), e2e: node('type:e2e') },
      { rules: ['kafka', 'npm:kafkajs'], kafka: ['contracts'], e2e: ['rules', 'kafka'] },
    );
    expect(violations(g)).toEqual([]);
  });

  it('refuses a service importing another service, and a library importing a service', () => {
    const g = graph(
      { rules: node('type:service'), ingest: node('type:service'), kafka: node('type:lib') },
      { rules: ['ingest', 'kafka'], kafka: ['rules'] },
    );
    expect(violations(g)).toEqual([
      'rules (type:service) depends on ingest (type:service); a type:service may depend on type:lib only',
      'kafka (type:lib) depends on rules (type:service); a type:lib may depend on type:lib only',
    ]);
  });

  it('refuses a project without exactly one type tag', () => {
    const g = graph({ newthing: node('scope:x'), both: node('type:lib', 'type:service') }, {});
    expect(violations(g)).toHaveLength(2);
    expect(violations(g)[0]).toMatch(/^newthing: needs exactly one tag of type:service/);
  });
});
