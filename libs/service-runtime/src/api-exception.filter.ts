import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { AuthError } from '@geopulse/auth';
import type { ComponentLogger } from '@geopulse/observability';
import { ApiException } from './api-exception';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

const BODY_PARSER_ERRORS: Record<string, [number, string]> = {
  'entity.parse.failed': [400, 'MALFORMED_JSON'],
  'entity.too.large': [413, 'PAYLOAD_TOO_LARGE'],
  'encoding.unsupported': [415, 'UNSUPPORTED_ENCODING'],
  'charset.unsupported': [415, 'UNSUPPORTED_CHARSET'],
  'request.aborted': [400, 'REQUEST_ABORTED'],
};

/** Maps every error to the API error body; only unexpected errors are 500 and logged. */
export function toApiException(err: unknown): ApiException | undefined {
  if (err instanceof ApiException) return err;
  if (err instanceof AuthError) {
    const forbidden = err.code === 'FORBIDDEN';
    return new ApiException(forbidden ? 403 : 401, err.code, err.message, undefined, forbidden ? {} : { 'WWW-Authenticate': 'Bearer' }, err.details);
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? err.message);
    return new ApiException(status, status === 404 ? 'NOT_FOUND' : `HTTP_${status}`, Array.isArray(message) ? message.join('; ') : String(message));
  }
  const parserError = err as BodyParserError;
  if (parserError && typeof parserError.type === 'string' && BODY_PARSER_ERRORS[parserError.type]) {
    const [status, code] = BODY_PARSER_ERRORS[parserError.type];
    const message = code === 'PAYLOAD_TOO_LARGE' ? `request body exceeds ${parserError.limit ?? 'the'} bytes limit` : parserError.message;
    return new ApiException(status, code, message);
  }
  return undefined;
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: ComponentLogger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const api = toApiException(err);
    if (api) {
      response.status(api.status).set(api.headers).json(api.body());
      return;
    }
    this.log.error('unhandled error', { error: (err as Error)?.message, stack: (err as Error)?.stack });
    response.status(500).json({ code: 'INTERNAL', message: 'internal error; it has been logged' });
  }
}
