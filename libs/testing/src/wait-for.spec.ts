import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first value that is not undefined or false', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls += 1;
        return calls === 3 ? { ready: true } : calls === 1 ? undefined : false;
      },
      { timeoutMs: 2000, intervalMs: 5, description: 'the third call' },
    );
    expect(value).toEqual({ ready: true });
    expect(calls).toBe(3);
  });

  it('retries a probe that throws', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls += 1;
        if (calls < 2) throw new Error('connection refused');
        return 0;
      },
      { timeoutMs: 2000, intervalMs: 5, description: 'a server' },
    );
    expect(value).toBe(0);
  });

  it('names what it waited for and the last error on timeout', async () => {
    await expect(
      waitFor(
        async () => {
          throw new Error('ECONNREFUSED 127.0.0.1:9092');
        },
        { timeoutMs: 100, intervalMs: 10, description: 'the START alert for tenant t-1' },
      ),
    ).rejects.toThrow(/waiting for the START alert for tenant t-1 .*ECONNREFUSED 127\.0\.0\.1:9092/);
  });

  it('does not wait past the deadline for a probe that hangs', async () => {
    const started = Date.now();
    await expect(
      waitFor(() => new Promise<boolean>(() => undefined), { timeoutMs: 150, description: 'a hanging probe' }),
    ).rejects.toThrow(/still running/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
