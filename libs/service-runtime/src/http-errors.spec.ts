import { DomainError } from '@geopulse/contracts';
import { ApiException } from './api-exception';
import { errorMapping, httpErrors } from './http-errors';

class ShelfError extends DomainError<'EMPTY' | 'FULL'> {}
class DoorError extends DomainError<'LOCKED'> {}

const { mapped, toHttpError } = httpErrors(
  errorMapping(ShelfError, { EMPTY: 404, FULL: 409 }),
  errorMapping(DoorError, { LOCKED: 401 }, (_err, status) => (status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {})),
);

describe('httpErrors', () => {
  it('answers each domain error with its status, code, message, issues and headers', () => {
    const shelf = toHttpError(new ShelfError('FULL', 'no room', [{ path: '/items/3', message: 'one too many' }])) as ApiException;
    expect(shelf).toBeInstanceOf(ApiException);
    expect({ status: shelf.status, body: shelf.body(), headers: shelf.headers }).toEqual({
      status: 409,
      body: { code: 'FULL', message: 'no room', errors: [{ path: '/items/3', message: 'one too many' }] },
      headers: {},
    });
    const door = toHttpError(new DoorError('LOCKED', 'who are you')) as ApiException;
    expect({ status: door.status, body: door.body(), headers: door.headers }).toEqual({ status: 401, body: { code: 'LOCKED', message: 'who are you' }, headers: { 'WWW-Authenticate': 'Bearer' } });
    expect(door.name).toBe('ApiException');
    expect(new DoorError('LOCKED', 'x').name).toBe('DoorError');
  });

  it('leaves any other error alone (a 500, logged once by the filter)', async () => {
    const bug = new TypeError('undefined is not a function');
    expect(toHttpError(bug)).toBe(bug);
    await expect(mapped(() => Promise.reject(bug))).rejects.toBe(bug);
    await expect(mapped(() => Promise.reject(new ShelfError('EMPTY', 'nothing here')))).rejects.toMatchObject({ status: 404, code: 'EMPTY' });
    await expect(mapped(() => Promise.resolve(7))).resolves.toBe(7);
  });
});
