import { Coalescer } from './coalescer';

const item = (seq: number) => ({ seq });

describe('Coalescer', () => {
  it('sends the first item at once and holds only the newest within the interval', () => {
    const c = new Coalescer<{ seq: number }>(1000);
    expect(c.offer('d1', item(1), 0)).toEqual({ send: true });
    expect(c.offer('d1', item(2), 100)).toEqual({ send: false, due: 1000 });
    expect(c.offer('d1', item(3), 500)).toEqual({ send: false, due: 1000 });
    expect(c.minHeldSeq()).toBe(3);
    expect(c.takeDue(999)).toEqual([]);
    expect(c.takeDue(1000)).toEqual([item(3)]);
    expect(c.minHeldSeq()).toBeUndefined();
    // Sent at 1000: the next one within the interval waits until 2000.
    expect(c.offer('d1', item(4), 1500)).toEqual({ send: false, due: 2000 });
  });

  it('keeps devices apart and reports the next due time', () => {
    const c = new Coalescer<{ seq: number }>(1000);
    c.offer('a', item(1), 0);
    c.offer('b', item(2), 300);
    c.offer('a', item(3), 400);
    c.offer('b', item(4), 600);
    expect(c.nextDue()).toBe(1000);
    expect(c.takeDue(1000)).toEqual([item(3)]);
    expect(c.takeDue(1300)).toEqual([item(4)]);
  });

  it('sends everything with interval 0', () => {
    const c = new Coalescer<{ seq: number }>(0);
    expect(c.offer('a', item(1), 0)).toEqual({ send: true });
    expect(c.offer('a', item(2), 0)).toEqual({ send: true });
  });
});
