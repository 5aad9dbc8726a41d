const c=require('@cedar-policy/cedar-wasm/nodejs');
const {CEDAR_SCHEMA}=require('./libs/auth/dist/cedar/schema.js');
const [kind, n] = [process.argv[2], Number(process.argv[3])];
const body = {
  paren: () => '('.repeat(n) + 'true' + ')'.repeat(n),
  bang: () => '!'.repeat(n) + 'true',
  neg: () => 'principal.roles.isEmpty() || ' + '-'.repeat(n) + '1 == 1',
  and: () => Array(n).fill('true').join(' && '),
  or: () => Array(n).fill('true').join(' || '),
  plus: () => Array(n).fill('1').join(' + ') + ' == 1',
  ite: () => 'if true then '.repeat(n) + 'true' + ' else false'.repeat(n),
  set: () => '['.repeat(n) + ']'.repeat(n) + ' == []',
  rec: () => '{a:'.repeat(n) + '1' + '}'.repeat(n) + ' == {a:1}',
  dot: () => 'context' + '.a'.repeat(n) + ' == 1',
  has: () => 'principal.roles.contains("a")' + '.isEmpty()'.repeat(n),
  like: () => 'principal.tenant like "' + '*'.repeat(n) + '"',
}[kind]();
const text = 'permit (principal, action, resource) when { ' + body + ' };';
try {
  const p = c.policySetTextToParts(text);
  const v = c.validate({ schema: CEDAR_SCHEMA, policies: { staticPolicies: { p: text } }, validationSettings: { mode: 'strict' } });
  console.log(kind, n, text.length, p.type, v.type, 'ok');
} catch (e) { console.log(kind, n, text.length, 'CRASH', e.message.slice(0, 60)); }
