import type { OpenAPIObject } from '@nestjs/swagger';
import type * as z from 'zod';
import { jsonSchemaOf } from '../common/schema.js';
import { CreateCorrectiveActionBody, UpdateCorrectiveActionBody } from './corrective-action.schema.js';
import { DRILL_EVENT_EXAMPLES, DRILL_EVENT_VARIANTS, DrillEventBody } from './drill-event.schema.js';
import { ScheduleDrillBody } from './drill.schema.js';
import { CreatePlanBody, ReplaceProgrammeBody, UpdatePlanBody } from './plan.schema.js';

/**
 * The continuity module's request bodies in /api/openapi.json. The services check them with these
 * schemas (answering the module's own rule names), so they are added here rather than through
 * `@Body({ schema })`; the drill event union gets its discriminator mapping and an example per type.
 */
const BODIES: ReadonlyArray<{ path: string; method: 'post' | 'put' | 'patch'; schema: z.ZodType }> = [
  { path: '/api/continuity/plans', method: 'post', schema: CreatePlanBody },
  { path: '/api/continuity/plans/{id}', method: 'put', schema: UpdatePlanBody },
  { path: '/api/continuity/plans/{id}/programme', method: 'put', schema: ReplaceProgrammeBody },
  { path: '/api/continuity/plans/{id}/drills', method: 'post', schema: ScheduleDrillBody },
  { path: '/api/drills/{id}/events', method: 'post', schema: DrillEventBody },
  { path: '/api/corrective-actions', method: 'post', schema: CreateCorrectiveActionBody },
  { path: '/api/corrective-actions/{id}', method: 'patch', schema: UpdateCorrectiveActionBody },
];

const ref = (id: string) => `#/components/schemas/${id}`;
const idOf = (schema: z.ZodType) => String(schema.meta()?.id);

export function describeContinuity(document: OpenAPIObject): void {
  document.components ??= {};
  const schemas = (document.components.schemas ??= {});
  for (const { path, method, schema } of BODIES) {
    const operation = document.paths[path]?.[method];
    if (!operation) throw new Error(`the continuity API has no ${method.toUpperCase()} ${path}`);
    const json = jsonSchemaOf(schema, 'input');
    Object.assign(schemas, json.components);
    operation.requestBody = { required: true, content: { 'application/json': { schema: json.schema } } };
  }

  // The drill events: oneOf the named variants, with the discriminator's mapping and an example per type.
  const union = schemas[idOf(DrillEventBody)] as Record<string, unknown>;
  union.discriminator = {
    propertyName: 'type',
    mapping: Object.fromEntries(Object.entries(DRILL_EVENT_VARIANTS).map(([type, variant]) => [type, ref(idOf(variant))])),
  };
  const content = (document.paths['/api/drills/{id}/events']!.post!.requestBody as { content: Record<string, Record<string, unknown>> }).content;
  content['application/json']!.examples = DRILL_EVENT_EXAMPLES;
}
