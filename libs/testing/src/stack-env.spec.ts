import { renderEnvFile, renderExportLines, shellQuote } from './stack-env';

describe('stack env rendering', () => {
  it('prints sorted export lines', () => {
    expect(renderExportLines({ REDIS_URL: 'redis://127.0.0.1:6379', KAFKA_BROKERS: '127.0.0.1:9092' })).toBe(
      'export KAFKA_BROKERS=127.0.0.1:9092\nexport REDIS_URL=redis://127.0.0.1:6379',
    );
  });

  it('writes NAME=value lines with a comment header', () => {
    expect(renderEnvFile({ AWS_REGION: 'us-east-1' })).toMatch(/^# .*\nAWS_REGION=us-east-1\n$/);
  });

  it('quotes only what a shell would misread', () => {
    expect(shellQuote('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
  });
});
