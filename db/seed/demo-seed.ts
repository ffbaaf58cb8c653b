import { randomUUID } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import type { DataSource } from 'typeorm';
import { DEFAULT_POLICY } from '../../apps/api/src/agencies/agency-policy.js';
import { AuditService, SYSTEM_ACTOR } from '../../apps/api/src/audit/audit.service.js';
import { SystemClock } from '../../apps/api/src/clock/clock.js';
import { heldRoles, ROLES, type Role } from '../../apps/api/src/identity/roles.js';

export const DEMO_PASSWORD = 'Demo-Password-2026!';

interface DemoAgency {
  code: string;
  name: string;
  parent?: string;
  level: string;
}

const AGENCIES: DemoAgency[] = [
  { code: 'EY', name: '行政院 Executive Yuan', level: 'A' },
  { code: 'MODA', name: '數位發展部 Ministry of Digital Affairs', parent: 'EY', level: 'A' },
  { code: 'ACS', name: '資通安全署 Administration for Cyber Security', parent: 'MODA', level: 'A' },
  { code: 'MOJ', name: '法務部 Ministry of Justice', parent: 'EY', level: 'A' },
  { code: 'MJIB', name: '法務部調查局 Investigation Bureau', parent: 'MOJ', level: 'B' },
];

const UNITS: Array<{ name: string; type: string }> = [
  { name: '資訊處 IT Department', type: 'it' },
  { name: '業務處 Business Operations', type: 'business' },
  { name: '政風室 Ethics Office', type: 'ethics' },
  { name: '首長室 Leadership Office', type: 'leadership' },
];

/**
 * Who the demo users are: one per role in MODA, plus the top admin, auditor and CISO in EY (the
 * CISO reviews what MODA and MOJ report: a superior agency's reviewers are its CISO and on-call managers).
 */
export function demoLogins(): Array<{ email: string; role: Role; agency: string }> {
  return [
    { email: 'admin@ey.demo.gov.tw', role: 'admin', agency: 'EY' },
    { email: 'auditor@ey.demo.gov.tw', role: 'auditor', agency: 'EY' },
    { email: 'ciso@ey.demo.gov.tw', role: 'ciso', agency: 'EY' },
    ...ROLES.map((role) => ({ email: `${role.replaceAll('_', '-')}@moda.demo.gov.tw`, role, agency: 'MODA' })),
    { email: 'reporter@moj.demo.gov.tw', role: 'reporter' as Role, agency: 'MOJ' },
  ];
}

/** Seeds a demo agency tree with users for every role, once (does nothing when EY exists). */
export async function seedDemo(dataSource: DataSource): Promise<boolean> {
  const exists: unknown[] = await dataSource.query(`SELECT 1 FROM agencies WHERE code = 'EY'`);
  if (exists.length) return false;
  const audit = new AuditService(dataSource, new SystemClock());
  const passwordHash = await hash(DEMO_PASSWORD);
  const now = new Date();
  await dataSource.transaction(async (m) => {
    const ids = new Map<string, string>();
    for (const a of AGENCIES) {
      const id = randomUUID();
      ids.set(a.code, id);
      await m.query(
        `INSERT INTO agencies (id, code, name, parent_id, timezone, responsibility_level, created_at, updated_at) VALUES ($1, $2, $3, $4, 'Asia/Taipei', $5, $6, $6)`,
        [id, a.code, a.name, a.parent ? ids.get(a.parent) : null, a.level, now],
      );
      await m.query('INSERT INTO agency_policies (agency_id, document, version, updated_at) VALUES ($1, $2, 1, $3)', [id, JSON.stringify(DEFAULT_POLICY), now]);
    }
    const units = new Map<string, string>();
    for (const code of ['EY', 'MODA', 'MOJ']) {
      for (const u of UNITS) {
        const id = randomUUID();
        units.set(`${code}/${u.type}`, id);
        await m.query(`INSERT INTO units (id, agency_id, name, type, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`, [
          id,
          ids.get(code),
          u.name,
          u.type,
          now,
        ]);
      }
    }
    for (const login of demoLogins()) {
      const id = randomUUID();
      // As an admin would create it: reporter with every staff role, never with vendor or auditor.
      const roles = heldRoles([login.role]);
      const expiresAt = login.role === 'vendor' ? new Date(now.getTime() + 60 * 86_400_000) : null;
      const name = `Demo ${login.role}`;
      await m.query(
        `INSERT INTO users (id, agency_id, email, name, locale, password_hash, password_changed_at, must_change_password, expires_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, false, $8, $7, $7)`,
        [id, ids.get(login.agency), login.email, name, login.role === 'auditor' ? 'en' : 'zh-TW', passwordHash, now, expiresAt],
      );
      for (const role of roles) await m.query('INSERT INTO role_memberships (user_id, role, granted_at) VALUES ($1, $2, $3)', [id, role, now]);
      const unitType =
        login.role === 'ethics_officer'
          ? 'ethics'
          : login.role === 'ciso'
            ? 'leadership'
            : ['responder', 'on_call_manager', 'vendor'].includes(login.role)
              ? 'it'
              : 'business';
      const unitId = units.get(`${login.agency}/${unitType}`);
      if (unitId) await m.query('INSERT INTO unit_memberships (unit_id, user_id, created_at) VALUES ($1, $2, $3)', [unitId, id, now]);
      if (login.role === 'on_call_manager' && unitId) await m.query('UPDATE units SET head_user_id = $2 WHERE id = $1', [unitId, id]);
    }
    await audit.append(m, SYSTEM_ACTOR, {
      action: 'demo.seed',
      agencyId: ids.get('EY'),
      details: { agencies: AGENCIES.map((a) => a.code), users: demoLogins().length },
    });
  });
  return true;
}
