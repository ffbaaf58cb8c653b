import { Controller, Get, Inject, type OnApplicationShutdown } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { createMailTransport, type MailTransport } from '@app/notify';
import { AppConfig } from '../config/app-config.js';
import { Public } from '../identity/decorators.js';
import { REDIS } from '../redis/redis.module.js';
import { LivenessSchema, READINESS_PROBLEM_CONTENT, ReadinessSchema } from './health.schema.js';

@ApiTags('operations')
@Controller('health')
@Public()
export class HealthController implements OnApplicationShutdown {
  private readonly mail: MailTransport;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    @Inject(REDIS) private readonly redis: Redis,
    config: AppConfig,
  ) {
    this.mail = createMailTransport(config.smtpUrl);
  }

  @Get()
  @ApiOperation({ operationId: 'checkLiveness', summary: 'Liveness: the process answers' })
  @ApiOkResponse({ standardSchema: LivenessSchema })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ operationId: 'checkReadiness', summary: 'Readiness: PostgreSQL, Redis and the SMTP server answer' })
  @ApiOkResponse({ description: 'every dependency answers', standardSchema: ReadinessSchema })
  @ApiServiceUnavailableResponse({ description: 'a dependency is down: the problem names each one’s state in `checks`', content: READINESS_PROBLEM_CONTENT })
  // Terminus's own swagger text would differ between builds (it requires @nestjs/swagger itself): described above instead.
  @HealthCheck({ swaggerDocumentation: false })
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database').withTimeout(2000),
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => ({ reply: await this.redis.ping() }))
          .withTimeout(2000),
      () =>
        this.indicators
          .check('smtp')
          .attempt(async () => {
            await this.mail.verify();
          })
          .withTimeout(5000)
          .cacheFor(10_000),
    ]);
  }

  onApplicationShutdown(): void {
    this.mail.close();
  }
}
