import { ParseUUIDPipe } from '@nestjs/common';
import { Problems } from './problem.js';

/** A path parameter that must be a UUID: anything else is a 400 naming the parameter. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({ exceptionFactory: () => Problems.field(name, 'isUUID', `${name} must be a UUID`) });
}
