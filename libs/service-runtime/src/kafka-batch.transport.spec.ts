import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { NonRetriableError } from '@geopulse/kafka';
import { BatchEventPattern, KafkaBatchContext, type ConsumedBatch } from './kafka-batch.transport';

const poison = new NonRetriableError('schema', 'reading 7 has no deviceId');
const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

@Controller()
class Handlers {
  @BatchEventPattern('telemetry', 'readings')
  readings(@Payload() batch: ConsumedBatch): { deadLetters: [] } {
    if (batch.partition === 1) throw poison;
    if (batch.partition === 2) throw outage;
    return { deadLetters: [] };
  }
}

@Module({ controllers: [Handlers] })
class TestModule {}

/** Registers handlers as KafkaBatchTransport does and calls them as it does, without a broker. */
class CapturingTransport extends Server implements CustomTransportStrategy {
  listen(callback: () => void): void {
    callback();
  }
  close(): void {}
  on(): never {
    throw new Error('no events');
  }
  unwrap<T>(): T {
    throw new Error('nothing to unwrap');
  }
  async call(partition: number): Promise<unknown> {
    // Found as KafkaBatchTransport finds it: by the consumer and topic the pattern names.
    const handler = [...this.messageHandlers.values()].find((h) => {
      const named = (h.extras ?? {}) as { consumer?: string; topic?: string };
      return named.consumer === 'readings' && named.topic === 'telemetry';
    });
    if (!handler) throw new Error('no handler registered for telemetry');
    const batch: ConsumedBatch = { topic: 't', partition, events: [], tombstones: [] };
    return lastValueFrom(this.transformToObservable(await handler(batch, new KafkaBatchContext(['t', partition, 'readings']))), { defaultValue: undefined });
  }
}

describe('@BatchEventPattern handlers', () => {
  const transport = new CapturingTransport();
  let close: () => Promise<void>;

  beforeAll(async () => {
    const app = await NestFactory.createMicroservice(TestModule, { strategy: transport, logger: false });
    await app.listen();
    close = () => app.close();
  });
  afterAll(() => close());

  it('hand a thrown error to the consumer as it was thrown, so it is classified (not a Nest error object)', async () => {
    await expect(transport.call(1)).rejects.toBe(poison);
    await expect(transport.call(2)).rejects.toBe(outage);
  });

  it('hand a resolved outcome through', async () => {
    await expect(transport.call(0)).resolves.toEqual({ deadLetters: [] });
  });
});
