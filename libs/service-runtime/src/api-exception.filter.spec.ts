import { NotFoundException } from '@nestjs/common';
import { AuthError } from '@geopulse/auth';
import { ApiException } from './api-exception';
import { toApiException } from './api-exception.filter';

describe('toApiException', () => {
  it('keeps our own exceptions', () => {
    const err = new ApiException(400, 'INVALID_READING', 'bad', [{ index: 0, path: '/ts', message: 'is required' }]);
    expect(toApiException(err)).toBe(err);
  });

  it('maps auth failures to 401 with WWW-Authenticate and forbidden to 403', () => {
    const unauth = toApiException(new AuthError('INVALID_TOKEN', 'nope'))!;
    expect([unauth.status, unauth.code, unauth.headers['WWW-Authenticate']]).toEqual([401, 'INVALID_TOKEN', 'Bearer']);
    expect(toApiException(new AuthError('FORBIDDEN', 'no'))!.status).toBe(403);
  });

  it('names the missing claim (401) and the lacking action (403) in the body', () => {
    expect(toApiException(new AuthError('MISSING_CLAIM', 'no exp', { claim: 'exp' }))!.body()).toEqual({ code: 'MISSING_CLAIM', message: 'no exp', claim: 'exp' });
    expect(toApiException(new AuthError('FORBIDDEN', 'no', { action: 'rule:write' }))!.body()).toEqual({ code: 'FORBIDDEN', message: 'no', action: 'rule:write' });
  });

  it('maps body-parser errors to precise 4xx', () => {
    const tooLarge = Object.assign(new Error('too large'), { type: 'entity.too.large', limit: 1024 });
    expect(toApiException(tooLarge)!.body()).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'request body exceeds 1024 bytes limit' });
    expect(toApiException(Object.assign(new Error('x'), { type: 'entity.parse.failed' }))!.status).toBe(400);
  });

  it('maps Nest HTTP exceptions and leaves unknown errors for a logged 500', () => {
    expect(toApiException(new NotFoundException('Cannot GET /x'))!.body()).toEqual({ code: 'NOT_FOUND', message: 'Cannot GET /x' });
    expect(toApiException(new Error('boom'))).toBeUndefined();
  });
});
