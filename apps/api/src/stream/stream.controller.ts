import { Controller, Get, Req, Res, type OnModuleDestroy } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthService } from '../identity/auth.service.js';
import { consoleSessionToken } from '../identity/console-session.js';
import type { RequestWithUser } from '../identity/request-context.js';
import { ScopeService } from '../identity/scope.service.js';
import { ChangeFeed, type FeedEvent } from './change-feed.js';
import { seesChange, StreamChangeSchema, type StreamChange } from './stream-change.js';

/** How often a comment keeps proxies from closing the idle stream, and the session is checked again. */
export const HEARTBEAT_MS = 15_000;
/** A client this far behind (bytes not yet taken by the socket) is dropped; it reconnects and resyncs. */
const MAX_BUFFERED_BYTES = 1_000_000;

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('api/stream')
export class StreamController implements OnModuleDestroy {
  /** The open streams' closers: a shutdown ends them (else the HTTP server would wait on them). */
  private readonly open = new Set<() => void>();

  constructor(
    private readonly feed: ChangeFeed,
    private readonly scope: ScopeService,
    private readonly auth: AuthService,
  ) {}

  onModuleDestroy(): void {
    for (const close of [...this.open]) close();
  }

  @Get()
  @ApiOperation({
    operationId: 'streamChanges',
    summary: 'Live updates: a server-sent event for every committed change to an incident or drill the caller may see',
    description: [
      'A `text/event-stream` (bearer token or the console cookie). `event: change` carries a StreamChange `{type, id, agencyId, version}`, for every committed change to a record the caller may see by the rules of GET /api/incidents and GET /api/drills; never content: refetch the record.',
      '`event: resync` (the server missed changes: its database listener reconnected) asks the client to refetch everything it shows; a client should do the same after it reconnects.',
      'A `: heartbeat` comment goes out every 15 s; at each one the session is checked again, and a logout, expiry or disabled account ends the stream with `event: end` `{"reason":"session-ended"}`.',
      'Behind a proxy, turn off response buffering for this path (the response says X-Accel-Buffering: no) and allow idle reads longer than 15 s.',
    ].join('\n\n'),
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ standardSchema: StreamChangeSchema, description: 'the event stream; each `event: change` has a StreamChange as its data' })
  async stream(@Req() req: RequestWithUser, @Res() res: Response): Promise<void> {
    const user = req.user!;
    const token = consoleSessionToken(req) ?? /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    let visible = await this.scope.visibleAgencyIds(user);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-store');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);
    res.write('retry: 3000\n\n');

    let closed = false;
    const send = (event: string, data: unknown) => {
      if (closed) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) return close();
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const onFeed = (event: FeedEvent) => {
      if (event.kind === 'resync') return send('resync', {});
      const change: StreamChange = event.change;
      if (seesChange(user, visible, change)) send('change', { type: change.type, id: change.id, agencyId: change.agencyId, version: change.version });
    };
    const unsubscribe = this.feed.subscribe(onFeed);
    const heartbeat = setInterval(() => {
      void (async () => {
        const { user: still } = token ? await this.auth.authenticate(token) : {};
        if (closed) return;
        if (!still) {
          send('end', { reason: 'session-ended' });
          return close();
        }
        visible = await this.scope.visibleAgencyIds(still);
        res.write(': heartbeat\n\n');
      })().catch(() => close());
    }, HEARTBEAT_MS);
    const close = () => {
      if (closed) return;
      closed = true;
      this.open.delete(close);
      clearInterval(heartbeat);
      unsubscribe();
      res.end();
    };
    this.open.add(close);
    req.on('close', close);
  }
}
