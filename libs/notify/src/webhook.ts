import { createHmac } from 'node:crypto';

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
}

/** POSTs one signed JSON notification; a non-2xx answer or a network error is a failure (retried by the caller). */
export async function postWebhook(url: string, secret: string, deliveryId: string, payload: unknown, timeoutMs = 10_000): Promise<WebhookResult> {
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'incident-continuity-webhook/1',
        'X-Delivery-Id': deliveryId,
        'X-Timestamp': String(timestamp),
        'X-Signature': signWebhook(secret, timestamp, body),
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = (await res.text()).slice(0, 500);
    return { ok: res.ok, status: res.status, detail: `${res.status} ${text}`.trim() };
  } catch (error) {
    return { ok: false, status: 0, detail: error instanceof Error ? error.message : String(error) };
  }
}
