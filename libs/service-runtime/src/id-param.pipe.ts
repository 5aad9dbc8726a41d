import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ID_PATTERN } from '@geopulse/contracts';
import { ApiException } from './api-exception';

/**
 * An id taken from the path or query (`@Param('id', IdParam)`): 1-128 characters of letters,
 * digits and `. _ ~ -`, as every id geopulse stores. Anything else is a 400 naming the
 * parameter, before it reaches a store (DynamoDB refuses keys over 1 KB with a 500-worthy
 * ValidationException; a 5,000-character id got exactly that).
 */
@Injectable()
export class IdParamPipe implements PipeTransform<unknown, string | undefined> {
  constructor(private readonly optional = false) {}

  transform(value: unknown, metadata: ArgumentMetadata): string | undefined {
    if (value === undefined && this.optional) return undefined;
    if (typeof value === 'string' && ID_PATTERN.test(value)) return value;
    const name = metadata.data ?? 'id';
    throw new ApiException(400, 'INVALID_ID', `${name} must be 1-128 characters of letters, digits and . _ ~ - (starting with a letter or digit)`, [
      { path: `/${name}`, message: 'not an id' },
    ]);
  }
}

/** The pipe for a required id parameter. */
export const IdParam = new IdParamPipe();
/** The pipe for an optional id parameter (a query filter). */
export const OptionalIdParam = new IdParamPipe(true);
