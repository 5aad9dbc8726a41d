import { ApiException } from '@geopulse/service-runtime';
import { NotifierError, type NotifierErrorCode } from '../../domain/notifier-error';

function status(code: NotifierErrorCode): number {
  switch (code) {
    case 'INVALID_SUBSCRIPTION':
    case 'WEBHOOK_URL_REFUSED':
    case 'INVALID_QUERY':
      return 400;
    case 'SUBSCRIPTION_NOT_FOUND':
      return 404;
    case 'SUBSCRIPTION_EXISTS':
    case 'CONCURRENT_UPDATE':
      return 409;
  }
}

/** Maps the feature's errors to HTTP answers; anything else is rethrown (500, logged once). */
export async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof NotifierError) throw new ApiException(status(err.code), err.code, err.message, err.issues.length > 0 ? err.issues : undefined);
    throw err;
  }
}
