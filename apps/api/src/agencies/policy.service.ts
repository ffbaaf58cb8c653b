import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { DEFAULT_POLICY, withPolicyDefaults, type AgencyPolicyDocument } from './agency-policy.js';

/**
 * Reads an agency's policy document (the defaults of today's law when none is stored; a document
 * stored before a field existed reads with that field's default).
 */
@Injectable()
export class PolicyService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async policyOf(agencyId: string, manager: EntityManager = this.dataSource.manager): Promise<{ document: AgencyPolicyDocument; version: number }> {
    const rows: Array<{ document: AgencyPolicyDocument; version: number }> = await manager.query(
      'SELECT document, version FROM agency_policies WHERE agency_id = $1',
      [agencyId],
    );
    const row = rows[0];
    return row ? { document: withPolicyDefaults(row.document), version: row.version } : { document: DEFAULT_POLICY, version: 0 };
  }
}
