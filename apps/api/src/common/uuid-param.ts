import { Injectable, type PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { Problems } from './problem.js';

/**
 * A path parameter that must be a UUID: anything else is a 400 naming the parameter. UUIDs are
 * case-insensitive on input (RFC 9562), so the value is handed on in lower case, as stored.
 */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  constructor(private readonly name: string) {}

  transform(value: string): string {
    if (typeof value !== 'string' || !isUUID(value)) throw Problems.field(this.name, 'isUUID', `${this.name} must be a UUID`);
    return value.toLowerCase();
  }
}

export function uuidParam(name: string): UuidParamPipe {
  return new UuidParamPipe(name);
}
