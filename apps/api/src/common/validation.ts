import { Injectable, ValidationPipe, type ArgumentMetadata, type PipeTransform, type ValidationError } from '@nestjs/common';
import { parseOr400 } from './schema.js';
import type * as z from 'zod';
import { Problems, type FieldError } from './problem.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const [rule, message] of Object.entries(error.constraints ?? {})) {
      out.push({ field, rule: rule === 'whitelistValidation' ? 'whitelist' : rule, message });
    }
    if (error.children?.length) out.push(...flatten(error.children, field));
  }
  return out;
}

/**
 * Validation of every body, query and path parameter: unknown fields are refused, types are not
 * coerced silently, and each error names the field and the rule.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => Problems.validation(flatten(errors)),
  });
}

/**
 * Validation of every parameter declared with a zod schema (`@Body({ schema })`, `@Query({ schema })`,
 * `@Param('id', { schema })`): the same schema is in the OpenAPI document; each issue names the
 * field and the rule (common/schema.ts). Runs beside the class-validator pipe while DTOs move over.
 */
@Injectable()
export class SchemaValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const schema = metadata.schema as z.ZodType | undefined;
    if (!schema || typeof schema !== 'object' || !('_zod' in schema)) return value;
    const root =
      metadata.type === 'body' ? (metadata.data ?? 'body') : metadata.type === 'query' ? (metadata.data ?? 'query') : (metadata.data ?? metadata.type);
    return parseOr400(schema, value, root);
  }
}

export function createSchemaValidationPipe(): SchemaValidationPipe {
  return new SchemaValidationPipe();
}
