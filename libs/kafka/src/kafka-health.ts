import type { Admin, Kafka } from 'kafkajs';

/**
 * Readiness probe for Kafka: a cheap metadata request with a short deadline, cached briefly
 * so a burst of probes does not become a burst of requests.
 */
export class KafkaHealth {
  private admin?: Admin;
  private last?: { at: number; ok: boolean; error?: string };

  constructor(
    private readonly kafka: Kafka,
    private readonly timeoutMs = 2000,
    private readonly cacheMs = 1000,
  ) {}

  async check(): Promise<{ ok: boolean; error?: string }> {
    if (this.last && Date.now() - this.last.at < this.cacheMs) return this.result(this.last);
    let timer: NodeJS.Timeout | undefined;
    try {
      this.admin ??= this.kafka.admin({ retry: { retries: 0 } });
      const probe = (async () => {
        await this.admin!.connect();
        await this.admin!.describeCluster();
      })();
      probe.catch(() => undefined);
      await Promise.race([
        probe,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      this.last = { at: Date.now(), ok: true };
    } catch (err) {
      const admin = this.admin;
      this.admin = undefined;
      void admin?.disconnect().catch(() => undefined);
      this.last = { at: Date.now(), ok: false, error: (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
    return this.result(this.last);
  }

  private result({ ok, error }: { ok: boolean; error?: string }): { ok: boolean; error?: string } {
    return error === undefined ? { ok } : { ok, error };
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
