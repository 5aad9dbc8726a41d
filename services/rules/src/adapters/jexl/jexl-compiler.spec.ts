/**
 * The compiled closures against JEXL's own evaluator: the same expressions (hand-picked, then
 * generated from the grammar with a seeded generator) over many contexts and function states,
 * evaluated both ways; values must be deeply equal, and errors must be errors both ways with
 * the same class and message.
 */
import { isDeepStrictEqual } from 'node:util';
import { applyGeofenceTransition, applyReading, emptyHistory, type DeviceHistory } from '../../domain/device-history';
import { ExpressionSyntaxError, type EvaluationContext } from '../../domain/evaluation';
import { ruleFunctions, type RuleFunctions } from '../../domain/functions';
import { JexlEngine, type JexlCompiledExpression } from './jexl-engine';

const MIN = 60_000;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const compiled = new JexlEngine();
const reference = new JexlEngine({ closures: false });

type Result = { ok: true; value: unknown } | { ok: false; error: string; message: string };

function run(expression: JexlCompiledExpression, context: EvaluationContext, functions: RuleFunctions): Result {
  try {
    return { ok: true, value: expression.evaluate(context, functions) };
  } catch (err) {
    return err instanceof Error ? { ok: false, error: err.constructor.name, message: err.message } : { ok: false, error: typeof err, message: String(err) };
  }
}

function history(readings: Record<string, unknown>[], geofences: string[] = []): DeviceHistory {
  let h = emptyHistory();
  readings.forEach((metrics, i) => {
    h = applyReading(h, { id: `r${i}`, ts: T0 + i * MIN, metrics: metrics as DeviceHistory['latest'], position: { lat: 52 + i / 100, lon: 4 } }, 60 * MIN).history;
  });
  for (const fence of geofences) h = applyGeofenceTransition(h, fence, 'ENTER');
  return h;
}

const HISTORIES: DeviceHistory[] = [
  emptyHistory(),
  history([{ temperature: 40, occupancy: true }, { temperature: 42, occupancy: true }, { temperature: 42, occupancy: false, humidity: 80 }], ['f1']),
  history(Array.from({ length: 8 }, (_, i) => ({ temperature: 30 + ((i * 7) % 11), humidity: 50, label: 'x' }))),
];

const FUNCTIONS: RuleFunctions[] = HISTORIES.flatMap((h) => [
  ruleFunctions(h, { now: T0 + 2 * MIN, minuteMs: MIN }),
  ruleFunctions(h, { now: T0 + 30 * MIN, minuteMs: MIN }),
]);

const device = (tags: string[], attributes: Record<string, unknown>) => ({ id: 'dev-1', tags, attributes });
const CONTEXTS: EvaluationContext[] = [
  { device: device([], {}) },
  { temperature: 45, occupancy: true, humidity: 70, device: device(['floor:3', 'hvac'], { model: 'x', floor: 3 }), position: { lat: 52.1, lon: 4.3 }, ts: T0 },
  { temperature: 0, occupancy: false, humidity: -1, label: '', device: device([], { nested: { a: [1, 2] } }) },
  { temperature: '45', occupancy: 'true', humidity: null, label: 'abc', device: device(['a'], {}) },
  { temperature: 12.5, occupancy: 1, label: 'hvac', arr: [1, 2, 3], strs: ['a', 'b', ''], device: device([], {}) },
  {
    temperature: -3, occupancy: 0, arr: [], objs: [{ v: 1, w: 'a' }, { v: 5, w: 'b' }, { v: 0 }], mixed: [0, null, '', { v: 2 }, [3]], device: device(['x'], { list: [{ k: 1 }] }),
  },
  { temperature: 100, occupancy: null, obj: { a: 1, b: { c: 2 }, arr: [{ c: 3 }] }, arr: [[1], [2]], device: device([], { '': 1 }), ts: 0 },
  { temperature: NaN, occupancy: 'yes', label: 'x', arr: [true, false], device: device(['floor:3'], { on: true }), position: { lat: 0, lon: 0 } },
];

const HAND_PICKED = [
  // What rules look like.
  'temperature > 40', 'temperature < 50 && occupancy == true', 'humidity > 60 || temperature > 50', "avg('temperature', 10) > 35",
  "hasNotChanged('temperature', 5)", "min('temperature', 10) < 32 || max('temperature', 10) > 40", "count('temperature', 5) >= 3",
  "delta('temperature', 10) > 1", 'minutesSinceLastReading() > 5', "inGeofence('f1') && temperature > 0", "'floor:3' in device.tags",
  "device.attributes.model == 'x'", 'position.lat > 52 && position.lon < 5', 'ts > 0',
  // Loose and strict-ish equality, arithmetic and concatenation as JavaScript does them.
  'temperature == "45"', 'occupancy == 1', 'occupancy != true', 'humidity == null', 'humidity == undefined', 'null == undefined',
  'temperature + 1', 'label + 1', 'label + temperature', 'temperature - "2"', 'temperature * 2 / 3', 'temperature // 7', 'temperature % 7',
  '2 ^ 10', '-2 ^ 0.5', 'temperature ^ 2 > 100', '1 / 0', '0 / 0 == 0 / 0', 'temperature // 0', '10 - -5', '- 5 + 1',
  // Logical operators yield operands.
  'temperature && label', 'label || temperature', 'occupancy || "none"', 'missing && missing.x', '!label', '!!temperature', '!missing',
  '!occupancy == false', '!device.tags', 'label ? 1 : 2', 'missing ? missing.x : "no"', 'temperature > 10 ? temperature > 20 ? "hot" : "warm" : "cold"',
  'temperature ?: 5', 'label ?: "empty"',
  // in, members and filters.
  "'b' in strs", "'' in label", "'c' in label", '1 in arr', '"1" in arr', 'x in y', "'a' in device.attributes", '3 in [1, 2, 3]',
  'arr[0]', 'arr[1 + 1]', 'arr[-1]', 'arr[true]', 'arr[false]', 'arr["length"]', 'arr.length', 'objs.v', 'objs[.v > 0]', 'objs[.v > 0].w',
  'objs[.v > 0][1].w', 'objs[.w == "b"].v', 'objs[.v]', 'mixed[.v]', 'mixed[.temperature > 0]', 'arr[.length > 0]', 'obj[.a == 1]',
  'missing[.x]', 'device.tags[.length > 1]', 'obj.b.c', 'obj.arr.c', 'obj["b"].c', 'obj.b["c"]', 'obj.missing.c', 'device.nothing[0]',
  'device.nothing[0] > 1', 'device.attributes.list[0].k', 'device.attributes.list.k', 'arr.x', 'objs[0]', 'objs[9].v', 'arr[0][0]',
  'label.length', 'label[0]', 'temperature.toFixed', 'device.tags.length > 0',
  '.temperature', '.device.id', 'device[.id]', '!device.id', '!obj.a', 'arr[0] + arr[1]', '{a: 1}.a', '{a: obj}.a.b.c',
  // Array and object literals.
  '[temperature, label, missing]', '{a: temperature, b: [1, {c: label}]}', '[]', '{}', '[1, 2] == [1, 2]', '{a: 1} == "[object Object]"',
  'obj[{a: 1}]', 'arr[[0]]',
  // Function errors: the last one thrown wins, siblings still run.
  "avg('missing', 5) > 1", "avg('missing', 5) + delta('humidity', 5)", "delta('humidity', 5) + avg('missing', 5)", "device.nothing[0] > avg('missing', 5)",
  "avg('missing', 5) > device.nothing[0]", "[avg('missing', 1), min('none', 2)]", "{a: max('none', 1), b: hasNotChanged('none', 3)}",
  "avg('missing', 5) && min('none', 1)", "label || avg('missing', 5)", "!avg('missing', 5)", "missing ? avg('missing', 5) : min('none', 1)",
  "objs[.v > avg('missing', 1)]", "objs[avg('missing', 1)]", "avg(label, 10)", "avg(avg('missing', 1), 10)", "avg('temperature', temperature)",
  "count('temperature', 10) * delta('temperature', 10)", "(avg('missing', 1) + 1) > min('none', 1)", "device.avg('temperature', 10)",
  "obj.b.avg('temperature', 5) > 1", "inGeofence(label)", "minutesSinceLastReading() + 1", "hasNotChanged('occupancy', 1) == true",
];

/** A seeded generator of syntactically plausible JEXL (some outputs fail to parse; those are skipped). */
function generator(seed: number): () => string {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const IDENTS = ['temperature', 'occupancy', 'humidity', 'label', 'missing', 'arr', 'strs', 'objs', 'mixed', 'obj', 'device', 'position', 'ts', 'null', 'undefined'];
  const MEMBERS = ['v', 'w', 'a', 'b', 'c', 'length', 'tags', 'attributes', 'lat', 'id', 'model', 'list', 'k'];
  const LITERALS = ['0', '1', '-1', '2.5', '.5', '40', '-0.5', "'a'", '"b"', "''", "'floor:3'", "'1'", 'true', 'false'];
  const OPS = ['+', '-', '*', '/', '//', '%', '^', '==', '!=', '<', '<=', '>', '>=', '&&', '||', 'in'];
  const CALLS = [
    "avg('temperature', 10)", "min('temperature', 5)", "max('humidity', 10)", "count('temperature', 3)", "delta('temperature', 10)",
    "hasNotChanged('occupancy', 1)", "hasNotChanged('humidity', 30)", 'minutesSinceLastReading()', "inGeofence('f1')", "avg('missing', 5)",
  ];
  const expr = (depth: number): string => {
    if (depth <= 0) return pick([...LITERALS, ...IDENTS, ...IDENTS]);
    const d = depth - 1;
    switch (Math.floor(random() * 14)) {
      case 0: case 1: case 2: return `${expr(d)} ${pick(OPS)} ${expr(d)}`;
      case 3: return `!${expr(d)}`;
      case 4: return `(${expr(d)})`;
      case 5: return `${expr(d)} ? ${expr(d)} : ${expr(d)}`;
      case 6: return `${pick(IDENTS)}.${pick(MEMBERS)}`;
      case 7: return `${pick(IDENTS)}[${expr(d)}]`;
      case 8: return `${pick(IDENTS)}[.${pick(MEMBERS)} ${pick(OPS)} ${expr(d)}]`;
      case 9: return `[${expr(d)}, ${expr(d)}]`;
      case 10: return `{a: ${expr(d)}, b: ${expr(d)}}${random() < 0.5 ? `.${pick(['a', 'b'])}` : ''}`;
      case 11: return pick(CALLS);
      case 12: return `${pick(['avg', 'count', 'hasNotChanged'])}(${expr(d)}, ${pick(['5', '10', expr(d)])})`;
      default: return `${expr(d)} ${pick(['<', '>', '=='])} ${pick(LITERALS)}`;
    }
  };
  return () => expr(1 + Math.floor(random() * 4));
}

function compilePair(source: string): [JexlCompiledExpression, JexlCompiledExpression] | undefined {
  try {
    return [compiled.compile(source), reference.compile(source)];
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) return undefined;
    throw err;
  }
}

/** Each context with `perContext` of the function states, both ways; returns the mismatches (none expected). */
function compare(source: string, pair: [JexlCompiledExpression, JexlCompiledExpression], perContext = FUNCTIONS.length): string[] {
  const mismatches: string[] = [];
  for (const [c, context] of CONTEXTS.entries()) {
    for (let k = 0; k < perContext; k += 1) {
      const functions = FUNCTIONS[(c + k * 3) % FUNCTIONS.length];
      const ours = run(pair[0], context, functions);
      const theirs = run(pair[1], context, functions);
      if (!isDeepStrictEqual(ours, theirs)) mismatches.push(`${source} @ ${JSON.stringify(context)}: closures ${String(JSON.stringify(ours))} vs jexl ${String(JSON.stringify(theirs))}`);
    }
  }
  return mismatches;
}

describe('JEXL closures match JEXL', () => {
  it('on hand-picked expressions, every one compiled to closures', () => {
    const mismatches: string[] = [];
    let errors = 0;
    let values = 0;
    expect(HAND_PICKED.filter((source) => !compilePair(source))).toEqual([]);
    for (const source of HAND_PICKED) {
      const pair = compilePair(source);
      if (!pair) continue;
      expect({ source, closures: pair[0].closures }).toEqual({ source, closures: true });
      expect(pair[1].closures).toBe(false);
      mismatches.push(...compare(source, pair));
      for (const context of CONTEXTS) {
        if (run(pair[1], context, FUNCTIONS[1]).ok) values += 1;
        else errors += 1;
      }
    }
    expect(mismatches).toEqual([]);
    // The table exercises both outcomes, not only one.
    expect(errors).toBeGreaterThan(50);
    expect(values).toBeGreaterThan(500);
  });

  it('on 2,500 generated expressions', () => {
    const next = generator(20261130);
    const mismatches: string[] = [];
    let parsed = 0;
    for (let i = 0; i < 2500; i += 1) {
      const source = next();
      const pair = compilePair(source);
      if (!pair) continue;
      parsed += 1;
      if (!pair[0].closures) mismatches.push(`${source}: not compiled to closures`);
      mismatches.push(...compare(source, pair, 2));
      if (mismatches.length > 20) break;
    }
    expect(mismatches).toEqual([]);
    expect(parsed).toBeGreaterThan(1500);
  });

  it('leaves to JEXL what it does not compile, with the same result', () => {
    // Functions outside the rule functions (reachable after a dot) and transforms: JEXL's own evaluator.
    for (const source of ['device.nothing(1)', 'device.attributes.model()', 'label|upper', "temperature > 1 && label|trim == 'x'"]) {
      const pair = compilePair(source);
      if (!pair) throw new Error(`does not parse: ${source}`);
      expect({ source, closures: pair[0].closures }).toEqual({ source, closures: false });
      expect(compare(source, pair)).toEqual([]);
    }
  });

  it('keeps the rule functions of the evaluation in progress (no leak between evaluations)', () => {
    const expression = compiled.compile("avg('temperature', 10) > 35 && inGeofence('f1')");
    expect(expression.evaluate(CONTEXTS[1], FUNCTIONS[2])).toBe(true);
    expect(() => expression.evaluate(CONTEXTS[1], FUNCTIONS[0])).toThrow("avg('temperature', 10): no numeric reading in the window");
    expect(expression.evaluate(CONTEXTS[1], FUNCTIONS[4])).toBe(false);
  });
});
