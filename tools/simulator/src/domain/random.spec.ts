import { Random } from './random';

describe('Random (mulberry32)', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const first = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(first);
  });

  it('draws uniformly in [0, 1) and normals with the asked mean and spread', () => {
    const random = new Random(7);
    const uniform = Array.from({ length: 20_000 }, () => random.next());
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uniform)).toBeLessThan(1);
    expect(uniform.reduce((s, x) => s + x, 0) / uniform.length).toBeCloseTo(0.5, 1);

    const normal = Array.from({ length: 20_000 }, () => random.normal(10, 2));
    const mean = normal.reduce((s, x) => s + x, 0) / normal.length;
    const sd = Math.sqrt(normal.reduce((s, x) => s + (x - mean) ** 2, 0) / normal.length);
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeGreaterThan(1.9);
    expect(sd).toBeLessThan(2.1);
  });

  it('makes an event with a mean interval as likely whether stepped by 1 s or by 0.1 s', () => {
    const random = new Random(3);
    const rate = (dt: number) => {
      let events = 0;
      const steps = 200_000;
      for (let i = 0; i < steps; i += 1) if (random.happensWithin(dt, 60)) events += 1;
      return events / (steps * dt);
    };
    expect(rate(1)).toBeCloseTo(1 / 60, 2);
    expect(rate(0.1)).toBeCloseTo(1 / 60, 2);
  });
});
