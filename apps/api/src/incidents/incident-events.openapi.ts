import type { OpenAPIObject } from '@nestjs/swagger';
import { CLIENT_EVENT_TYPES } from '@app/workflows';
import { jsonSchemaOf } from '../common/schema.js';
import { EVENT_EXAMPLES, eventSchemaName, IncidentEventBody } from './incident-events.schema.js';

const EVENTS_PATH = '/api/incidents/{id}/events';

/**
 * The incident event body in the document: `IncidentEvent`, a `oneOf` of one named variant per
 * client event type with `discriminator.mapping` on `type`, and a named example per type (Swagger
 * UI's example list). The body is parsed in the service (a system event is a 422 before any
 * parse), so no decorator carries it.
 */
export function describeIncidentEvents(document: OpenAPIObject): void {
  const { schema, components } = jsonSchemaOf(IncidentEventBody, 'input');
  document.components ??= {};
  document.components.schemas = { ...(document.components.schemas ?? {}), ...(components as Record<string, never>) };
  const union = document.components.schemas.IncidentEvent as Record<string, unknown>;
  union.discriminator = {
    propertyName: 'type',
    mapping: Object.fromEntries(CLIENT_EVENT_TYPES.map((type) => [type, `#/components/schemas/${eventSchemaName(type)}`])),
  };
  const operation = document.paths[EVENTS_PATH]?.post;
  if (!operation) throw new Error(`describeIncidentEvents: no POST ${EVENTS_PATH} in the document`);
  operation.requestBody = {
    required: true,
    description: 'one event; `type` picks its fields (GET …/transitions lists the events the caller may send now, with their fields)',
    content: {
      'application/json': {
        schema: schema as never,
        examples: Object.fromEntries(CLIENT_EVENT_TYPES.map((type) => [type, { summary: EVENT_EXAMPLES[type].summary, value: EVENT_EXAMPLES[type].value }])),
      },
    },
  };
}
