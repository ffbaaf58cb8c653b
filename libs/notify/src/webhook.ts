import { createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  LASTING_REFUSALS,
  resolveHost,
  vetWebhookTarget,
  type HostResolver,
  type ResolvedAddress,
  type TargetRefusal,
  type WebhookAllowList,
} from './webhook-target.js';

/**
 * The webhook channel's signature: HMAC-SHA256 over "<timestamp>.<body>" with the webhook's
 * secret, sent as `X-Signature: sha256=<hex>` with `X-Timestamp` (seconds), so a receiver can
 * verify the sender and refuse replays outside a window.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export interface WebhookResult {
  ok: boolean;
  status: number;
  detail: string;
  /**
   * The target was refused before any connection for a lasting reason (not https, not a public
   * address: LASTING_REFUSALS): retrying would not help. The rules broken, in `rules`.
   */
  refused?: boolean;
  rules?: Array<TargetRefusal['rule']>;
}

export interface WebhookPostOptions {
  allowList: WebhookAllowList;
  timeoutMs?: number;
  /** How the host is resolved (the system resolver by default). */
  resolve?: HostResolver;
}

/** A lookup that answers every query with the one address already checked: no second resolution to be rebound. */
function pinnedLookup(address: ResolvedAddress): LookupFunction {
  const family = address.family === 'ipv6' ? 6 : 4;
  return (_hostname, options, callback) => {
    if (options.all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: address.address, family }]);
    else callback(null, address.address, family);
  };
}

/**
 * POSTs one signed JSON notification. The target is checked first (vetWebhookTarget), and the
 * connection goes to the address that was checked, so a host that resolves elsewhere a moment
 * later (DNS rebinding) reaches nothing new. Redirects are not followed: a 3xx is a failure. A
 * target refused for a lasting reason (not https, not public), a non-2xx answer, a host that does
 * not resolve or a network error is a failure; all but the first are worth retrying.
 */
export async function postWebhook(url: string, secret: string, deliveryId: string, payload: unknown, options: WebhookPostOptions): Promise<WebhookResult> {
  const verdict = await vetWebhookTarget(url, options.allowList, options.resolve ?? resolveHost);
  if (!verdict.ok) {
    const rules = [...new Set(verdict.refusals.map((r) => r.rule))];
    const detail = `refused: ${verdict.refusals.map((r) => r.message).join('; ')}`;
    // A host that does not resolve now is a failure like a network error: retried, with backoff.
    return rules.some((r) => LASTING_REFUSALS.has(r)) ? { ok: false, status: 0, refused: true, rules, detail } : { ok: false, status: 0, rules, detail };
  }
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const request = verdict.url.protocol === 'https:' ? httpsRequest : httpRequest;
  try {
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        verdict.url,
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            'User-Agent': 'incident-continuity-webhook/1',
            'X-Delivery-Id': deliveryId,
            'X-Timestamp': String(timestamp),
            'X-Signature': signWebhook(secret, timestamp, body),
          },
          lookup: pinnedLookup(verdict.addresses[0]!),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        },
        (response: IncomingMessage) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            if (text.length < 500) text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text: text.slice(0, 500) }));
          response.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const ok = res.status >= 200 && res.status < 300;
    const redirect = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : '';
    return { ok, status: res.status, detail: `${res.status} ${res.text}`.trim() + redirect };
  } catch (error) {
    return { ok: false, status: 0, detail: error instanceof Error ? error.message : String(error) };
  }
}
