import type { Request } from 'express';
import { ApiException } from '@geopulse/service-runtime';
import type { AcceptReadings } from '../../application/accept-readings';
import { InFlightLimit } from '../../domain/in-flight-limit';
import type { TelemetryRequest } from './telemetry-auth.guard';
import { TelemetryController } from './telemetry.controller';

describe('TelemetryController', () => {
  it('answers 503 OVERLOADED with Retry-After at once when the replica is at its in-flight limit', async () => {
    let release: () => void = () => undefined;
    const slow = { execute: () => new Promise((resolve) => (release = () => resolve({ accepted: 1, ids: ['a'], duplicates: 0 }))) } as unknown as AcceptReadings;
    const controller = new TelemetryController(slow, new InFlightLimit(1));
    const request = { headers: { 'content-type': 'application/json' }, body: Buffer.from('{}'), principal: { kind: 'operator', tenantId: 't' } } as unknown as Request & TelemetryRequest;
    const first = controller.post(request);
    const second = await controller.post(request).catch((e: ApiException) => e);
    expect(second).toBeInstanceOf(ApiException);
    expect(second).toMatchObject({ status: 503, code: 'OVERLOADED', headers: { 'Retry-After': '1' } });
    release();
    await expect(first).resolves.toMatchObject({ accepted: 1 });
    const third = controller.post(request);
    release();
    await expect(third).resolves.toMatchObject({ accepted: 1 });
  });
});
