import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type * as z from 'zod';
import { jsonSchemaOf, ProblemSchema } from '../common/schema.js';
import { describeContinuity } from '../continuity/continuity.openapi.js';
import { describeBearerScheme } from '../identity/bearer.openapi.js';
import { describeIncidentEvents } from '../incidents/incident-events.openapi.js';
import { describeIncidentCsv } from '../incidents/incident-csv.openapi.js';

/**
 * The API's contract, /api/openapi.json (OpenAPI 3.1). Shapes come from the zod schemas the code
 * validates with (common/schema.ts); every operation answers its errors as the shared `Problem`;
 * operation ids read as verbs (`listIncidents`, `sendIncidentEvent`).
 */
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** Zod schemas through @nestjs/swagger's Standard Schema hook: JSON Schema 2020-12, named ones as components. */
function convert(schema: unknown, { schemaType }: { schemaType: 'input' | 'output' }) {
  if (!schema || typeof schema !== 'object' || !('_zod' in schema)) return undefined;
  return jsonSchemaOf(schema as z.ZodType, schemaType);
}

/** `IncidentsController.list` → `listIncidents` when no @ApiOperation({ operationId }) names it. */
function operationId(controllerKey: string, methodKey: string): string {
  return `${methodKey}${controllerKey.replace(/Controller$/, '')}`;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Incident response and business continuity API (資安事件通報應變與營運持續)')
    .setDescription(
      'Articles 40–42 of the Executive Yuan information security management guidelines, as working software. Errors are RFC 9457 problem details (`Problem`).',
    )
    .setVersion('1')
    .setOpenAPIVersion('3.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'the opaque session token from POST /api/auth/login (not a JWT)' })
    .addCookieAuth(
      'irbc_session',
      {
        type: 'apiKey',
        in: 'cookie',
        description: 'the web console: HttpOnly cookie set by POST /api/auth/console-login; writes also need X-IRBC-Console: 1 and the console origin',
      },
      'console',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { standardSchemaConverter: convert, operationIdFactory: operationId });
  for (const addition of DOCUMENT_ADDITIONS) addition(document);
  return withProblems(document);
}

/**
 * What decorators cannot say, added to the document after createDocument (each module keeps its
 * own: the event unions with their discriminator mapping and an example per event type, …).
 */
const DOCUMENT_ADDITIONS: ReadonlyArray<(document: OpenAPIObject) => void> = [
  describeBearerScheme,
  describeIncidentEvents,
  describeContinuity,
  describeIncidentCsv,
];

/** Every operation answers 4xx as a `Problem` (application/problem+json), beside what it documents itself. */
function withProblems(document: OpenAPIObject): OpenAPIObject {
  const problem = jsonSchemaOf(ProblemSchema, 'output');
  document.components ??= {};
  document.components.schemas = { ...(document.components.schemas ?? {}), ...(problem.components as Record<string, never>) };
  const problemResponse = {
    description: 'RFC 9457 problem details; `errors[]` names each field and rule',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operation.responses ??= {};
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response && /^4\d\d$/.test(status) && !('$ref' in response))
          operation.responses[status] = { ...problemResponse, description: response.description || problemResponse.description };
      }
      operation.responses['4XX'] ??= problemResponse;
    }
  }
  return document;
}
