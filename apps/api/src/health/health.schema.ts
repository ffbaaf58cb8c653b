import * as z from 'zod';
import { jsonSchemaOf } from '../common/schema.js';

/** One dependency's answer: up or down, with what the check adds (a message, the reply). */
const DependencyState = z.looseObject({ status: z.enum(['up', 'down']) });
const Dependencies = z.record(z.string(), DependencyState).meta({ description: 'per dependency: database, redis, smtp' });

export const LivenessSchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Liveness' });

export const ReadinessSchema = z
  .strictObject({
    status: z.literal('ok'),
    info: Dependencies.optional(),
    error: Dependencies.optional(),
    details: Dependencies,
  })
  .meta({ id: 'Readiness' });

/** GET /health/ready when a dependency is down: a problem (503) naming each dependency's state in `checks`. */
export const ReadinessProblemSchema = z
  .strictObject({
    type: z.string().meta({ examples: ['/problems/service-unavailable'] }),
    title: z.string(),
    status: z.literal(503),
    detail: z.string().optional(),
    instance: z.string().optional(),
    checks: Dependencies,
  })
  .meta({ description: "RFC 9457 problem details (503) with each dependency's state in `checks`" });

/** The document's 503 of GET /health/ready: application/problem+json, as the problem filter answers it. */
export const READINESS_PROBLEM_CONTENT = { 'application/problem+json': { schema: jsonSchemaOf(ReadinessProblemSchema, 'output').schema } };
