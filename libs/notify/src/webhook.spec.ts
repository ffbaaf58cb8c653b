import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { postWebhook, signWebhook } from './webhook.js';
import { EMPTY_ALLOW_LIST, parseWebhookAllowList, vetWebhookTarget, type HostResolver, type ResolvedAddress } from './webhook-target.js';

const v4 = (address: string): ResolvedAddress => ({ address, family: 'ipv4' });
/** A resolver with fixed answers per call, counting its calls: stands in for a DNS server that changes its mind. */
function scriptedResolver(...answers: ResolvedAddress[][]): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  return Object.assign(
    async (host: string) => {
      calls.push(host);
      return answers[Math.min(calls.length, answers.length) - 1]!;
    },
    { calls },
  );
}

describe('vetWebhookTarget', () => {
  it.each([
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://127.5.6.7/hook', 'loopback'],
    ['https://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://10.1.2.3/', 'private'],
    ['https://172.16.0.1/', 'private'],
    ['https://192.168.1.1/', 'private'],
    ['https://100.64.0.1/', 'shared (CGNAT)'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://224.0.0.1/', 'multicast'],
    ['https://[::1]/', 'loopback'],
    ['https://[::]/', 'unspecified'],
    ['https://[fe80::1]/', 'link-local'],
    ['https://[fd00::1]/', 'unique-local'],
    ['https://[ff02::1]/', 'multicast'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::ffff:169.254.169.254]/', 'link-local'],
    ['https://[::ffff:10.0.0.1]/', 'private'],
    ['https://[::127.0.0.1]/', 'IPv4-compatible'],
    ['https://192.0.2.10/', 'documentation'],
    ['https://198.51.100.10/', 'documentation'],
    ['https://203.0.113.10/', 'documentation'],
    ['https://[2001:db8::1]/', 'documentation'],
    ['https://[100::1]/', 'discard-only'],
    // IPv6 forms that carry an IPv4 address: a translator or relay would forward to it.
    ['https://[64:ff9b::a9fe:a9fe]/', 'NAT64'],
    ['https://[64:ff9b::127.0.0.1]/', 'NAT64'],
    ['https://[64:ff9b::808:808]/', 'NAT64'],
    ['https://[64:ff9b:1::a00:1]/', 'NAT64'],
    ['https://[2002:7f00:1::1]/', '6to4'],
    ['https://[2002:a9fe:a9fe::]/', '6to4'],
    ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'Teredo'],
    ['https://2130706433/', 'loopback'],
    ['https://0x7f.1/', 'loopback'],
  ])('refuses %s: a %s address', async (url, kind) => {
    const verdict = await vetWebhookTarget(url, EMPTY_ALLOW_LIST);
    expect(verdict).toMatchObject({ ok: false, refusals: [{ rule: 'publicAddress', message: expect.stringContaining(`a ${kind} address`) }] });
  });

  it('refuses http, and a host that resolves to a loopback address', async () => {
    expect(await vetWebhookTarget('http://93.184.215.14/hook', EMPTY_ALLOW_LIST)).toMatchObject({ ok: false, refusals: [{ rule: 'https' }] });
    const local = await vetWebhookTarget('https://localhost/hook', EMPTY_ALLOW_LIST);
    expect(local).toMatchObject({ ok: false, refusals: [{ rule: 'publicAddress', message: expect.stringMatching(/^localhost resolves to .*loopback/) }] });
    expect(await vetWebhookTarget('https://no-such-host.invalid/', EMPTY_ALLOW_LIST)).toMatchObject({ ok: false, refusals: [{ rule: 'resolvable' }] });
  });

  it('refuses a host when any one of its addresses is not public', async () => {
    const resolve = scriptedResolver([v4('93.184.215.14'), v4('10.0.0.7')]);
    const verdict = await vetWebhookTarget('https://hooks.example.test/', EMPTY_ALLOW_LIST, resolve);
    expect(verdict).toMatchObject({ ok: false, refusals: [{ rule: 'publicAddress', message: expect.stringContaining('10.0.0.7') }] });
  });

  it('accepts https to public addresses, and what the allow-list permits', async () => {
    expect(await vetWebhookTarget('https://93.184.215.14/hook', EMPTY_ALLOW_LIST)).toMatchObject({ ok: true, addresses: [v4('93.184.215.14')] });
    // Next to the refused ranges: public.
    for (const url of ['https://[2606:4700::1111]/', 'https://[2001:4860::8888]/', 'https://[64:ff9c::1]/', 'https://203.0.114.1/', 'https://[2003::1]/'])
      expect([url, await vetWebhookTarget(url, EMPTY_ALLOW_LIST)]).toEqual([url, expect.objectContaining({ ok: true })]);
    const byRange = parseWebhookAllowList('10.20.0.0/16');
    expect(await vetWebhookTarget('http://10.20.1.1:8080/hook', byRange)).toMatchObject({ ok: true });
    expect(await vetWebhookTarget('http://10.21.1.1:8080/hook', byRange)).toMatchObject({
      ok: false,
      refusals: [{ rule: 'https' }, { rule: 'publicAddress' }],
    });
    const byName = parseWebhookAllowList('chat.internal.gov.tw');
    const resolve = scriptedResolver([v4('192.168.7.7')]);
    expect(await vetWebhookTarget('http://CHAT.internal.gov.tw./hook', byName, resolve)).toMatchObject({ ok: true, addresses: [v4('192.168.7.7')] });
    expect(await vetWebhookTarget('http://other.internal.gov.tw/hook', byName, resolve)).toMatchObject({ ok: false });
  });
});

describe('postWebhook', () => {
  let server: Server;
  let port: number;
  const hits: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hits.push({ path: req.url ?? '', headers: req.headers, body });
        if (req.url === '/redirect') res.writeHead(302, { Location: `http://127.0.0.1:${port}/elsewhere` }).end();
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const loopback = parseWebhookAllowList('127.0.0.1/32');

  it('connects to the address it checked, under the host name it was given, signed', async () => {
    hits.length = 0;
    // hooks.example.test exists nowhere but in this resolver: reaching the server proves the connection used the checked address.
    const resolve = scriptedResolver([v4('127.0.0.1')]);
    const result = await postWebhook(`http://hooks.example.test:${port}/hook`, 'secret', 'd1', { a: 1 }, { allowList: loopback, resolve });
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(resolve.calls).toEqual(['hooks.example.test']);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.headers.host).toBe(`hooks.example.test:${port}`);
    expect(hits[0]!.headers['x-signature']).toBe(signWebhook('secret', Number(hits[0]!.headers['x-timestamp']), hits[0]!.body));
  });

  it('is not fooled by a host that resolves elsewhere once checked (DNS rebinding): it connects only to the checked address', async () => {
    hits.length = 0;
    // The check hears 127.0.0.2 (allowed, nobody listens there); the system resolver, asked again,
    // would answer 127.0.0.1 for localhost, where the test server listens.
    const resolve = scriptedResolver([v4('127.0.0.2')]);
    const allowList = parseWebhookAllowList('127.0.0.2/32');
    const result = await postWebhook(`http://localhost:${port}/hook`, 'secret', 'd2', {}, { allowList, resolve, timeoutMs: 2000 });
    expect(result).toMatchObject({ ok: false, status: 0, detail: expect.stringContaining(`127.0.0.2:${port}`) });
    expect(result.refused).toBeUndefined();
    expect(resolve.calls).toEqual(['localhost']);
    expect(hits).toEqual([]);
  });

  it('retries a host that does not resolve now: a failure, not a refusal', async () => {
    const unresolvable =
      (code: string): HostResolver =>
      async () => {
        throw Object.assign(new Error(`getaddrinfo ${code} hooks.example.test`), { code });
      };
    for (const code of ['EAI_AGAIN', 'ENOTFOUND']) {
      const result = await postWebhook('https://hooks.example.test/hook', 'secret', 'd5', {}, { allowList: EMPTY_ALLOW_LIST, resolve: unresolvable(code) });
      expect(result).toMatchObject({ ok: false, status: 0, rules: ['resolvable'], detail: expect.stringContaining(code) });
      expect(result.refused).toBeUndefined();
    }
    const empty = await postWebhook('https://hooks.example.test/hook', 'secret', 'd6', {}, { allowList: EMPTY_ALLOW_LIST, resolve: scriptedResolver([]) });
    expect(empty.refused).toBeUndefined();
  });

  it('refuses without connecting a target that is not allowed now', async () => {
    hits.length = 0;
    const result = await postWebhook(`http://127.0.0.1:${port}/hook`, 'secret', 'd3', {}, { allowList: EMPTY_ALLOW_LIST });
    expect(result).toMatchObject({ ok: false, refused: true, rules: ['https', 'publicAddress'], detail: expect.stringMatching(/^refused: .*loopback/) });
    expect(hits).toEqual([]);
  });

  it('does not follow a redirect', async () => {
    hits.length = 0;
    const result = await postWebhook(`http://127.0.0.1:${port}/redirect`, 'secret', 'd4', {}, { allowList: loopback });
    expect(result).toMatchObject({ ok: false, status: 302, detail: expect.stringContaining('redirects are not followed') });
    expect(hits.map((h) => h.path)).toEqual(['/redirect']);
  });
});
