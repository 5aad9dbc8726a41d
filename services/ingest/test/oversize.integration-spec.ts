import { randomUUID } from 'node:crypto';
import { IngestFixture, reading } from './ingest-fixture';

/** Kafka's request limit lowered so that a valid reading (100 metrics of 200 characters) exceeds it. */
const world = new IngestFixture({ KAFKA_MAX_REQUEST_BYTES: '8192', INGEST_RATE_PER_DEVICE: '100000', INGEST_RATE_BURST: '100000' });

beforeAll(() => world.start());
afterAll(() => world.stop());

describe('POST /v1/telemetry with a reading over the Kafka request limit', () => {
  it('answers 413 READING_TOO_LARGE naming the reading and accepts nothing of the batch; a batch larger than one request is accepted whole', async () => {
    const tag = `big-${randomUUID().slice(0, 8)}`;
    const big = reading({ deviceId: `${tag}-d`, id: `${tag}-big`, metrics: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`m${i}`, 'x'.repeat(200)])) });
    const refused = await world.send({ readings: [reading({ deviceId: `${tag}-d`, id: `${tag}-0` }), big, reading({ deviceId: `${tag}-d`, id: `${tag}-2` })] });
    expect([refused.status, refused.body.code]).toEqual([413, 'READING_TOO_LARGE']);
    expect(refused.body.errors).toEqual([expect.objectContaining({ index: 1, path: '' })]);

    // 200 small readings (~60 KB): several requests under the limit, all stored, in order.
    const many = Array.from({ length: 200 }, (_, i) => reading({ deviceId: `${tag}-d`, id: `${tag}-ok-${i}` }));
    const accepted = await world.send({ readings: many });
    expect(accepted.status).toBe(202);
    const records = await world.records('telemetry', 200);
    const mine = records.filter((r) => r.headers.ce_id?.startsWith(tag));
    expect(mine.map((r) => r.headers.ce_id)).toEqual(many.map((r) => r.id));
    // Nothing of the refused batch was written, and nothing was dead-lettered for it.
    expect(await world.records('deadLetter')).toEqual([]);
  });
});
