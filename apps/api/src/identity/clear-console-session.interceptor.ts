import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { clearedConsoleSessionCookie, setConsoleSessionCookie } from './console-session.js';

/** On logout: the console's cookie is removed too (whether the session came from it or from a bearer token). */
@Injectable()
export class ClearConsoleSession implements NestInterceptor {
  constructor(private readonly config: AppConfig) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    setConsoleSessionCookie(context.switchToHttp().getResponse<Response>(), clearedConsoleSessionCookie(this.config));
    return next.handle();
  }
}
