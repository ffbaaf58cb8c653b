import 'reflect-metadata';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { Agency } from '../apps/api/src/agencies/agency.entity.js';
import { AgencyPolicyRow } from '../apps/api/src/agencies/agency-policy.entity.js';
import { AuditEvent } from '../apps/api/src/audit/audit-event.entity.js';
import { Session } from '../apps/api/src/identity/session.entity.js';
import { Unit, UnitMembership } from '../apps/api/src/units/unit.entity.js';
import { RoleMembership, User } from '../apps/api/src/users/user.entity.js';
import { Foundation1764115200000 } from './migrations/1764115200000-Foundation.js';
import { Incidents1764201600000 } from './migrations/1764201600000-Incidents.js';
import { Deliveries1764288000000 } from './migrations/1764288000000-Deliveries.js';
import { OnCall1764374400000 } from './migrations/1764374400000-OnCall.js';
import { Webhooks1764460800000 } from './migrations/1764460800000-Webhooks.js';
import { Continuity1764547200000 } from './migrations/1764547200000-Continuity.js';
import { OutboxFinished1764633600000 } from './migrations/1764633600000-OutboxFinished.js';
import { AccessRules1764720000000 } from './migrations/1764720000000-AccessRules.js';
import { OutboxFailure1764892800000 } from './migrations/1764892800000-OutboxFailure.js';
import { IdempotencyKeys1765000000000 } from './migrations/1765000000000-IdempotencyKeys.js';
import { StreamChanges1765100000000 } from './migrations/1765100000000-StreamChanges.js';
import { DeadlineMetAt1765200000000 } from './migrations/1765200000000-DeadlineMetAt.js';
import { ComplianceIndexes1765300000000 } from './migrations/1765300000000-ComplianceIndexes.js';
import { ClockTally1765400000000 } from './migrations/1765400000000-ClockTally.js';

/** Every entity, listed explicitly (no globs). */
export const ENTITIES = [Agency, AgencyPolicyRow, AuditEvent, Session, Unit, UnitMembership, User, RoleMembership];

/** Every migration, in order. New ones are appended here (npm run migration:create makes the file). */
export const MIGRATIONS = [
  Foundation1764115200000,
  Incidents1764201600000,
  Deliveries1764288000000,
  OnCall1764374400000,
  Webhooks1764460800000,
  Continuity1764547200000,
  OutboxFinished1764633600000,
  AccessRules1764720000000,
  OutboxFailure1764892800000,
  IdempotencyKeys1765000000000,
  StreamChanges1765100000000,
  DeadlineMetAt1765200000000,
  ComplianceIndexes1765300000000,
  ClockTally1765400000000,
];

/** The one set of TypeORM options, shared by the Nest app, the worker and the migration CLI. */
export function dataSourceOptions(databaseUrl: string, poolSize = 10, overrides: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: poolSize, application_name: 'incident-continuity' },
    ...overrides,
  } as DataSourceOptions;
}

export function createDataSource(databaseUrl: string): DataSource {
  return new DataSource(dataSourceOptions(databaseUrl));
}
