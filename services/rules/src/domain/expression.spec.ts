import { analyzeExpression } from './expression';

describe('analyzeExpression', () => {
  it('finds the metrics read and the stateful calls with their windows', () => {
    const result = analyzeExpression("temperature < 50 && occupancy == true && avg('temperature', 10) > 30 && device.tags.floor == '3'");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.analysis.metrics.sort()).toEqual(['occupancy', 'temperature']);
    expect(result.analysis.calls).toEqual([{ name: 'avg', args: ['temperature', 10], position: 41 }]);
    expect(result.analysis.windowMinutes).toBe(10);
    expect(result.analysis.timeDependent).toBe(true);
  });

  it('marks a rule without time functions as not time dependent', () => {
    const result = analyzeExpression("temperature < 50 && inGeofence('depot')");
    expect(result.ok && result.analysis.timeDependent).toBe(false);
  });

  it('reports an unknown function at its position', () => {
    const result = analyzeExpression('temperature < 50 && median(temperature) > 3');
    expect(result).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'UNKNOWN_FUNCTION', position: 20 })] });
  });

  it('requires literal arguments of the right kind', () => {
    expect(analyzeExpression('avg(temperature, 10) > 1')).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'BAD_ARGUMENTS', position: 0 })] });
    expect(analyzeExpression("avg('t', 0) > 1")).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'BAD_ARGUMENTS' })] });
    expect(analyzeExpression("hasNotChanged('t')")).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'BAD_ARGUMENTS' })] });
    expect(analyzeExpression('minutesSinceLastReading() > 5').ok).toBe(true);
  });

  it('rejects transforms, since none are available', () => {
    expect(analyzeExpression('name|upper == "A"')).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'UNKNOWN_TRANSFORM', position: 5 })] });
  });

  it('limits length and nesting depth', () => {
    expect(analyzeExpression('a'.repeat(20), { maxLength: 10, maxDepth: 5 })).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'TOO_LONG' })] });
    const deep = `${'('.repeat(6)}1${')'.repeat(6)}`;
    expect(analyzeExpression(deep, { maxLength: 100, maxDepth: 5 })).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'TOO_DEEP', position: 5 })] });
  });

  it('reports unbalanced brackets and unterminated strings with a position', () => {
    expect(analyzeExpression('(a < 1')).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'SYNTAX', position: 0 })] });
    expect(analyzeExpression('a < 1)')).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'SYNTAX', position: 5 })] });
    expect(analyzeExpression("mode == 'heat")).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'SYNTAX', position: 8 })] });
    expect(analyzeExpression('a # 1')).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'SYNTAX', position: 2 })] });
    expect(analyzeExpression('  ')).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'EMPTY' })] });
  });

  it('ignores identifiers in strings, after a dot and as object keys', () => {
    const result = analyzeExpression("{a: 1}.a == 1 && mode == 'temperature' && position.lat > 3");
    expect(result.ok && result.analysis.metrics.sort()).toEqual(['mode']);
  });
});
