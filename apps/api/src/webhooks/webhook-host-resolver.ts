import { Injectable } from '@nestjs/common';
import { resolveHost, type ResolvedAddress } from '@app/notify';

/**
 * How the API resolves a webhook's host when it checks a target (creation, re-enabling): the
 * system resolver. A provider of its own so that a test can tell when the lookup happens.
 */
@Injectable()
export class WebhookHostResolver {
  resolve(host: string): Promise<ResolvedAddress[]> {
    return resolveHost(host);
  }
}
