import { createHash, randomBytes } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { BeforeHookResult, HookContext, IServerAdapter, QueueAdapterOptions } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import { DEFAULT_POLICY } from '../agencies/agency-policy.js';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { AuditService, type Actor, type AuditEntry } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { Problems, type Localized } from '../common/problem.js';
import { sendProblem } from '../common/send-problem.js';
import { AppConfig } from '../config/app-config.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { DEADLINE_QUEUE } from '../incidents/deadline-scheduler.js';
import { NOTIFY_QUEUE } from '../notifications/notification.jobs.js';
import { REDIS } from '../redis/redis.module.js';
import { MAINTENANCE_QUEUE } from '../worker/maintenance.jobs.js';

/** Where the dashboard is mounted on the API's HTTP app. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';
/** How long a ticket can be exchanged for the dashboard cookie. */
export const TICKET_TTL_MS = 60_000;
export const DASHBOARD_COOKIE = 'queue_dashboard';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The dashboard's API routes an admin may use: every read, and retrying failed jobs. */
const RETRY_ROUTES = new Set(['/api/queues/:queueName/:jobId/retry', '/api/queues/:queueName/retry/:queueStatus']);

interface TicketRecord {
  sessionId: string;
  userId: string;
  email: string;
  agencyId: string;
  expiresAt: string;
}

interface CookieRecord {
  sessionId: string;
}

/** The admin a dashboard request acts for, after the cookie and its session were checked. */
export interface DashboardAdmin {
  sessionId: string;
  userId: string;
  email: string;
  agencyId: string;
  sessionExpiresAt: Date;
}

type Check = { admin: DashboardAdmin } | { refusal: string; actor?: Pick<Actor, 'userId' | 'label' | 'agencyId'> };

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** The request's path as the client sent it (without the query, which may hold a ticket). */
function pathOf(req: Request): string {
  return req.originalUrl.split('?')[0]!;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The BullMQ dashboard (@bull-board) for admins, on the API's HTTP app under /admin/queues.
 *
 * A browser cannot send the API's bearer token when it loads a page, so an admin trades the token
 * for a cookie in two steps: `POST /api/admin/queues/ticket` (bearer, admin) returns a single-use
 * ticket valid for 60 s by the injected clock; `GET /admin/queues/login?ticket=…` exchanges it
 * once for an HttpOnly, SameSite=Strict cookie scoped to /admin/queues and redirects to the
 * dashboard. Tickets and cookies live in Redis under their SHA-256 only (the dashboard is down
 * without Redis anyway; a TTL removes them, GETDEL makes a ticket single-use across any number of
 * API processes). The cookie names the admin's API session, and every request under
 * /admin/queues re-checks that session and the account in PostgreSQL, so logging out, session
 * expiry, disabling the account or losing the admin role ends dashboard access on the next request.
 *
 * "Read-only with retries": @bull-board 9 forces `allowRetries` off on a `readOnlyMode` queue and
 * refuses every mutation there, retries included. So the queues are registered writable with
 * retries of failed jobs allowed, and a `before` hook on every dashboard API route lets through
 * only reads and those retries; everything else (pause, clean, empty, obliterate, add, promote,
 * edit, scheduler changes) is refused with 403. Every retry and every refused action is audited.
 */
@Injectable()
export class QueueDashboard {
  private readonly logger = new Logger(QueueDashboard.name);
  private readonly queues: Queue[];
  /** The admin of each request that passed the cookie check, keyed by the request's headers object (which bull-board hands to its hooks). */
  private readonly admins = new WeakMap<IncomingHttpHeaders, { admin: DashboardAdmin; requestId: string | null }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @InjectQueue(DEADLINE_QUEUE) deadlines: Queue,
    @InjectQueue(NOTIFY_QUEUE) notifications: Queue,
    @InjectQueue(MAINTENANCE_QUEUE) maintenance: Queue,
  ) {
    this.queues = [deadlines, notifications, maintenance];
  }

  private key(kind: 'ticket' | 'cookie', secret: string): string {
    return `${this.config.queuePrefix}:queue-dashboard:${kind}:${sha256(secret)}`;
  }

  private async record(actor: Actor, entry: AuditEntry): Promise<void> {
    await this.dataSource.transaction((manager) => this.audit.append(manager, actor, entry));
  }

  /** Issues a single-use ticket for the dashboard, bound to the caller's API session. */
  async issueTicket(user: AuthenticatedUser, actor: Actor): Promise<{ url: string; expiresAt: string }> {
    // The queues serve every agency: they are operated by the admins of a top-level agency only.
    const top: Array<{ n: number }> = await this.dataSource.query('SELECT count(*)::int AS n FROM agencies WHERE id = $1 AND parent_id IS NULL', [
      user.agencyId,
    ]);
    if (!top[0]!.n)
      throw Problems.forbidden({
        'zh-TW': '佇列儀表板僅供最上層機關的管理者使用（佇列服務所有機關）',
        en: 'the queue dashboard is for the admins of a top-level agency (the queues serve every agency)',
      });
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.clock.now().getTime() + TICKET_TTL_MS);
    const record: TicketRecord = { sessionId: user.sessionId, userId: user.id, email: user.email, agencyId: user.agencyId, expiresAt: expiresAt.toISOString() };
    await this.redis.set(this.key('ticket', ticket), JSON.stringify(record), 'PX', TICKET_TTL_MS);
    await this.record(actor, {
      action: 'queues.dashboard.ticket',
      targetType: 'session',
      targetId: user.sessionId,
      details: { expiresAt: record.expiresAt },
    });
    return { url: `${this.config.publicUrl}${QUEUE_DASHBOARD_PATH}/login?ticket=${ticket}`, expiresAt: record.expiresAt };
  }

  /** The session's admin, or why the session no longer grants the dashboard. */
  async checkSession(sessionId: string): Promise<Check> {
    const rows: Array<{
      revoked_at: Date | null;
      expires_at: Date;
      user_id: string;
      email: string;
      agency_id: string;
      disabled_at: Date | null;
      user_expires_at: Date | null;
      must_change_password: boolean;
      password_changed_at: Date;
      max_age_days: number | null;
      is_admin: boolean;
    }> = await this.dataSource.query(
      // An admin is privileged: the password ages out after the agency's privileged maximum (article 31), as for the API.
      `SELECT s.revoked_at, s.expires_at, u.id AS user_id, u.email, u.agency_id, u.disabled_at, u.expires_at AS user_expires_at, u.must_change_password,
              u.password_changed_at, (SELECT (p.document->'passwords'->>'privilegedMaxAgeDays')::int FROM agency_policies p WHERE p.agency_id = u.agency_id) AS max_age_days,
              EXISTS (SELECT 1 FROM role_memberships r WHERE r.user_id = u.id AND r.role = 'admin')
                AND EXISTS (SELECT 1 FROM agencies a WHERE a.id = u.agency_id AND a.parent_id IS NULL) AS is_admin
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`,
      [sessionId],
    );
    const row = rows[0];
    if (!row) return { refusal: 'unknown-session' };
    const actor = { userId: row.user_id, label: row.email, agencyId: row.agency_id };
    const now = this.clock.now().getTime();
    if (row.revoked_at) return { refusal: 'session-revoked', actor };
    if (row.expires_at.getTime() <= now) return { refusal: 'session-expired', actor };
    if (row.disabled_at) return { refusal: 'account-disabled', actor };
    if (row.user_expires_at && row.user_expires_at.getTime() <= now) return { refusal: 'account-expired', actor };
    const maxAgeDays = row.max_age_days ?? DEFAULT_POLICY.passwords.privilegedMaxAgeDays;
    if (row.must_change_password || now - row.password_changed_at.getTime() >= maxAgeDays * 86_400_000) return { refusal: 'password-change-required', actor };
    if (!row.is_admin) return { refusal: 'not-admin', actor };
    return { admin: { sessionId, userId: row.user_id, email: row.email, agencyId: row.agency_id, sessionExpiresAt: row.expires_at } };
  }

  /** Exchanges a ticket (once) for a dashboard cookie; the exchange, or its refusal, is audited. */
  async exchange(ticket: string, requestId: string | null): Promise<{ cookie: string; maxAgeMs: number } | { refusal: string }> {
    const raw = TOKEN.test(ticket) ? await this.redis.getdel(this.key('ticket', ticket)) : null;
    const stored = raw ? (JSON.parse(raw) as TicketRecord) : undefined;
    let check: Check;
    if (!stored) check = { refusal: 'unknown-or-used-ticket' };
    else if (new Date(stored.expiresAt).getTime() <= this.clock.now().getTime())
      check = { refusal: 'ticket-expired', actor: { userId: stored.userId, label: stored.email, agencyId: stored.agencyId } };
    else check = await this.checkSession(stored.sessionId);
    if ('refusal' in check) {
      await this.record(
        { userId: check.actor?.userId ?? null, label: check.actor?.label ?? null, agencyId: check.actor?.agencyId ?? null, requestId },
        {
          action: 'queues.dashboard.login',
          outcome: 'refused',
          targetType: stored ? 'session' : null,
          targetId: stored?.sessionId ?? null,
          details: { reason: check.refusal },
        },
      );
      return { refusal: check.refusal };
    }
    const { admin } = check;
    const cookie = randomBytes(32).toString('base64url');
    const maxAgeMs = Math.max(1000, admin.sessionExpiresAt.getTime() - this.clock.now().getTime());
    const record: CookieRecord = { sessionId: admin.sessionId };
    await this.redis.set(this.key('cookie', cookie), JSON.stringify(record), 'PX', maxAgeMs);
    await this.record(
      { userId: admin.userId, label: admin.email, agencyId: admin.agencyId, requestId },
      { action: 'queues.dashboard.login', targetType: 'session', targetId: admin.sessionId },
    );
    return { cookie, maxAgeMs };
  }

  /** The admin behind a dashboard cookie, or why there is none. */
  async authenticate(cookie: string | undefined): Promise<Check> {
    if (!cookie) return { refusal: 'missing-cookie' };
    const raw = TOKEN.test(cookie) ? await this.redis.get(this.key('cookie', cookie)) : null;
    if (!raw) return { refusal: 'unknown-cookie' };
    return this.checkSession((JSON.parse(raw) as CookieRecord).sessionId);
  }

  private sendUnauthenticated(req: Request, res: Response, detail: Localized, reason: string): void {
    res.setHeader('Cache-Control', 'no-store');
    sendProblem(req, res, 'unauthenticated', detail, { reason });
  }

  private async login(req: Request, res: Response): Promise<void> {
    const requestId = typeof req.id === 'string' ? req.id : null;
    const ticket = typeof req.query.ticket === 'string' ? req.query.ticket : '';
    const outcome = await this.exchange(ticket, requestId);
    res.setHeader('Referrer-Policy', 'no-referrer');
    if ('refusal' in outcome) {
      const detail: Localized =
        outcome.refusal === 'ticket-expired'
          ? {
              'zh-TW': '票證已過期；請以 POST /api/admin/queues/ticket 重新申請',
              en: 'the ticket has expired; ask for a new one with POST /api/admin/queues/ticket',
            }
          : outcome.refusal === 'unknown-or-used-ticket'
            ? {
                'zh-TW': '票證不存在或已使用過；請以 POST /api/admin/queues/ticket 重新申請',
                en: 'the ticket is unknown or was already used; ask for a new one with POST /api/admin/queues/ticket',
              }
            : {
                'zh-TW': `票證所屬的工作階段無權開啟佇列儀表板（${outcome.refusal}）；請重新登入`,
                en: `the session behind the ticket does not grant the dashboard (${outcome.refusal}); log in again`,
              };
      return this.sendUnauthenticated(req, res, detail, outcome.refusal);
    }
    const secure = this.config.publicUrl.startsWith('https:') ? '; Secure' : '';
    res.setHeader(
      'Set-Cookie',
      `${DASHBOARD_COOKIE}=${outcome.cookie}; Path=${QUEUE_DASHBOARD_PATH}; Max-Age=${Math.floor(outcome.maxAgeMs / 1000)}; HttpOnly; SameSite=Strict${secure}`,
    );
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, QUEUE_DASHBOARD_PATH);
  }

  /** Every request under /admin/queues but the login: the cookie's session must be alive and its user an enabled admin. */
  private async guard(req: Request, res: Response, next: NextFunction): Promise<void> {
    const requestId = typeof req.id === 'string' ? req.id : null;
    const check = await this.authenticate(cookieValue(req.headers.cookie, DASHBOARD_COOKIE));
    if ('refusal' in check) {
      await this.audit.recordRefusal(
        { userId: check.actor?.userId ?? null, label: check.actor?.label ?? null, agencyId: check.actor?.agencyId ?? null, requestId },
        {
          action: 'http.refused',
          targetType: 'route',
          targetId: `${req.method} ${pathOf(req)}`.slice(0, 300),
          details: { status: 401, type: 'unauthenticated', reason: check.refusal, path: pathOf(req).slice(0, 300) },
        },
      );
      return this.sendUnauthenticated(
        req,
        res,
        {
          'zh-TW': '請以 POST /api/admin/queues/ticket 取得的網址開啟儀表板（限管理者）；儀表板 cookie 不存在或其工作階段已結束',
          en: 'open the dashboard with the URL from POST /api/admin/queues/ticket (admins only); the dashboard cookie is missing or its session has ended',
        },
        check.refusal,
      );
    }
    this.admins.set(req.headers, { admin: check.admin, requestId });
    res.setHeader('Cache-Control', 'no-store');
    next();
  }

  private actorOf(headers: IncomingHttpHeaders): Actor {
    const entry = this.admins.get(headers);
    return {
      userId: entry?.admin.userId ?? null,
      label: entry?.admin.email ?? null,
      agencyId: entry?.admin.agencyId ?? null,
      requestId: entry?.requestId ?? null,
    };
  }

  /** bull-board's `before` hook: reads pass, retries of failed jobs pass, every other change is refused (and audited). */
  private async allow(context: HookContext): Promise<BeforeHookResult> {
    if (context.method === 'get') return { allow: true };
    const params = context.request.params ?? {};
    let refusal: string | undefined;
    if (!RETRY_ROUTES.has(context.route)) refusal = 'read-only';
    else if (context.route.endsWith('/:queueStatus') && params.queueStatus !== 'failed') refusal = 'only-failed-jobs';
    else if (context.route.endsWith('/:jobId/retry')) {
      const job = await context.request.queues.get(params.queueName ?? '')?.getJob(params.jobId ?? '');
      const state = job ? await job.getState() : undefined;
      if (state !== undefined && state !== 'failed') refusal = 'only-failed-jobs';
    }
    if (!refusal) return { allow: true };
    await this.record(this.actorOf(context.request.headers), {
      action: 'queues.dashboard.action',
      outcome: 'refused',
      targetType: 'queue',
      targetId: params.queueName ? String(params.queueName).slice(0, 200) : null,
      details: { method: context.method, route: context.route, params, reason: refusal },
    });
    return {
      allow: false,
      status: 403,
      message:
        refusal === 'read-only' ? 'the dashboard is read-only: only retrying failed jobs is allowed' : 'only failed jobs can be retried from the dashboard',
    };
  }

  /** bull-board's `after` hook: a retry that was carried out is audited before its answer is sent. */
  private async performed(context: HookContext, result: { status?: number }): Promise<void> {
    if (context.method === 'get' || (result.status ?? 200) >= 400) return;
    const params = context.request.params ?? {};
    await this.record(this.actorOf(context.request.headers), {
      action: 'queues.dashboard.retry',
      targetType: 'queue',
      targetId: params.queueName ? String(params.queueName).slice(0, 200) : null,
      details: { route: context.route, params, status: result.status ?? 200 },
    });
  }

  /** The Express router to mount at QUEUE_DASHBOARD_PATH: login, the cookie check, then bull-board. */
  router(): Router {
    // allowCompletedRetries is read by the adapter (and the UI) but missing from its options type.
    const adapterOptions: Partial<QueueAdapterOptions> & { allowCompletedRetries: boolean } = {
      readOnlyMode: false,
      allowRetries: true,
      allowCompletedRetries: false,
    };
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: this.queues.map((queue) => new BullMQAdapter(queue, adapterOptions)),
      // @bull-board/express 9.10.1 pins its own @bull-board/api 9.10.1 (types only: at run time the
      // adapter needs nothing from it, and the UI is served from the @bull-board/ui of api 9.10.2).
      serverAdapter: serverAdapter as unknown as IServerAdapter,
      options: {
        uiConfig: { boardTitle: 'IR queues', hideDocsLink: true },
        handlerHooks: {
          before: (context) => this.allow(context),
          after: async (context, result) => {
            await this.performed(context, result);
            return result;
          },
        },
      },
    });
    const router = express.Router();
    router.get('/login', (req, res, next) => void this.login(req, res).catch(next));
    router.use((req, res, next) => void this.guard(req, res, next).catch(next));
    router.use(serverAdapter.getRouter() as express.Router);
    // Errors of this router (a database or Redis failure) are answered here, without leaking details.
    router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
      this.logger.error(`queue dashboard: ${req.method} ${pathOf(req)} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (res.headersSent) return;
      sendProblem(req, res, 'internal-error', { 'zh-TW': '佇列儀表板發生錯誤；請查看紀錄', en: 'the queue dashboard failed; see the logs' });
    });
    return router;
  }
}
