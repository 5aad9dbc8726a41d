import type { TelemetryReading } from '@geopulse/contracts';
import { IngestError } from '../domain/ingest-error';
import { CoalescingPublisher } from './coalescing-publisher';

const r = (id: string) => ({ id }) as TelemetryReading;

describe('CoalescingPublisher', () => {
  it('sends calls made during a send together, in order, resolving each after its send', async () => {
    const sends: string[][] = [];
    let release: () => void = () => undefined;
    const inner = { publish: (readings: readonly TelemetryReading[]) => new Promise<void>((resolve) => { sends.push(readings.map((x) => x.id)); release = resolve; }) };
    const sut = new CoalescingPublisher(inner, 3);
    const first = sut.publish([r('a')]);
    const rest = [sut.publish([r('b')]), sut.publish([r('c'), r('d')]), sut.publish([r('e')])];
    expect(sends).toEqual([['a']]);
    release();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sends).toEqual([['a'], ['b', 'c', 'd']]);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all(rest);
    expect(sends).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
  });

  it('fails every caller of a failed send, and carries on', async () => {
    let fail = true;
    const sut = new CoalescingPublisher({ publish: async () => { if (fail) throw new Error('down'); } });
    await expect(sut.publish([r('a')])).rejects.toThrow('down');
    fail = false;
    await expect(sut.publish([r('b')])).resolves.toBeUndefined();
  });

  it('fails only the caller whose reading is too large, and sends the others alone', async () => {
    const sent: string[][] = [];
    let release: () => void = () => undefined;
    const inner = {
      publish: (readings: readonly TelemetryReading[]) => {
        if (readings.some((x) => x.id === 'huge')) return Promise.reject(new IngestError('READING_TOO_LARGE', 'too large'));
        return new Promise<void>((resolve) => {
          sent.push(readings.map((x) => x.id));
          release = resolve;
        });
      },
    };
    const sut = new CoalescingPublisher(inner);
    const first = sut.publish([r('a')]);
    const [ok, huge] = [sut.publish([r('b')]), sut.publish([r('huge')])];
    release();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await expect(ok).resolves.toBeUndefined();
    await expect(huge).rejects.toMatchObject({ code: 'READING_TOO_LARGE' });
    expect(sent).toEqual([['a'], ['b']]);
  });
});
