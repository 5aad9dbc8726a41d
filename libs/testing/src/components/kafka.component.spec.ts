import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kafkaComponent, newClusterId } from './kafka.component';

describe('newClusterId', () => {
  it('is 16 random bytes in base64url, as kafka-storage random-uuid prints', () => {
    const id = newClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(newClusterId()).not.toBe(id);
  });

  it('never starts with "-", which the storage tool would parse as an option', () => {
    // 2,000 ids: with a 1-in-64 chance each, unguarded generation yields ~31 such ids.
    const ids = Array.from({ length: 2000 }, () => newClusterId());
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
  });
});

describe('kafka afterCleanStop', () => {
  it('keeps the class-data archive the first broker wrote and maps it on later starts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-cds-'));
    const recorded = path.join(dir, 'kafka-abc.jsa.123-456.tmp');
    fs.writeFileSync(recorded, 'archive');
    const launch = { command: 'java', args: ['-Xmx1m', `-XX:ArchiveClassesAtExit=${recorded}`, 'kafka.Kafka'], env: {}, cwd: dir };

    const updated = await kafkaComponent.afterCleanStop?.(launch);

    expect(fs.readFileSync(path.join(dir, 'kafka-abc.jsa'), 'utf8')).toBe('archive');
    expect(updated?.args).toEqual(['-Xmx1m', `-XX:SharedArchiveFile=${path.join(dir, 'kafka-abc.jsa')}`, 'kafka.Kafka']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('changes nothing for a broker that already used an archive', async () => {
    const launch = { command: 'java', args: ['-XX:SharedArchiveFile=/x.jsa'], env: {}, cwd: '/' };
    expect(await kafkaComponent.afterCleanStop?.(launch)).toBeUndefined();
  });
});
