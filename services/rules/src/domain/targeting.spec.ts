import { targets } from './targeting';

const device = { id: 'd1', tags: ['floor:3', 'thermostat'], attributes: {} };

describe('targets', () => {
  it('applies to every device when the target is empty', () => {
    expect(targets({}, device)).toBe(true);
    expect(targets({ deviceIds: [], tags: [] }, device)).toBe(true);
  });
  it('applies to listed devices', () => {
    expect(targets({ deviceIds: ['d1'] }, device)).toBe(true);
    expect(targets({ deviceIds: ['d2'] }, device)).toBe(false);
  });
  it('applies to devices carrying every tag', () => {
    expect(targets({ tags: ['floor:3'] }, device)).toBe(true);
    expect(targets({ tags: ['floor:3', 'meter'] }, device)).toBe(false);
  });
  it('applies to listed devices or tag matches when both are given', () => {
    expect(targets({ deviceIds: ['d2'], tags: ['floor:3'] }, device)).toBe(true);
  });
});
