import type { DomainError } from '@geopulse/contracts';
import { ApiException } from './api-exception';

/** How one domain error class becomes an HTTP answer: a status per code (a total table), optional headers. */
export interface ErrorMapping {
  /** The ApiException for `err` when it is of this mapping's class, else undefined. */
  toHttp(err: unknown): ApiException | undefined;
}

export function errorMapping<E extends DomainError<string>>(
  type: abstract new (...args: never[]) => E,
  status: Record<E['code'], number>,
  headers: (err: E, status: number) => Record<string, string> = () => ({}),
): ErrorMapping {
  return {
    toHttp(err: unknown): ApiException | undefined {
      if (!(err instanceof type)) return undefined;
      const code: E['code'] = err.code;
      const s = status[code];
      return new ApiException(s, err.code, err.message, err.issues.length > 0 ? [...err.issues] : undefined, headers(err, s));
    },
  };
}

export interface HttpErrors {
  /** The ApiException of a mapped domain error; anything else unchanged (a 500, logged once). */
  toHttpError(err: unknown): unknown;
  /** Runs a use case and rethrows its domain errors as HTTP answers. */
  mapped<T>(work: () => Promise<T>): Promise<T>;
}

/** A service's one error table for its controllers (adapters/http/error-mapping.ts). */
export function httpErrors(...mappings: ErrorMapping[]): HttpErrors {
  const toHttpError = (err: unknown): unknown => {
    for (const m of mappings) {
      const mapped = m.toHttp(err);
      if (mapped) return mapped;
    }
    return err;
  };
  return {
    toHttpError,
    async mapped<T>(work: () => Promise<T>): Promise<T> {
      try {
        return await work();
      } catch (err) {
        throw toHttpError(err);
      }
    },
  };
}
