import { StandardSchemaValidationPipe, ValidationPipe, type ValidationError } from '@nestjs/common';
import { fieldErrorsOf } from './schema.js';
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
export function createSchemaValidationPipe(): StandardSchemaValidationPipe {
  return new StandardSchemaValidationPipe({
    exceptionFactory: (issues) => Problems.validation(fieldErrorsOf(issues as unknown as z.core.$ZodIssue[])),
  });
}
