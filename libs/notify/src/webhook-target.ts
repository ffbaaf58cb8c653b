import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may point. A webhook is an outbound request the system makes on an admin's say,
 * so without care it is a way into the internal network (server-side request forgery): the cloud
 * metadata service at 169.254.169.254, an admin console on 127.0.0.1, a database on 10.x. A target
 * must be https and every address its host has must be public, unless the operator's allow-list
 * (WEBHOOK_ALLOWED_HOSTS) names the host or holds the address. The check runs when a webhook is
 * created or re-enabled and again before every delivery, on the addresses the delivery connects to.
 */

export type AddressFamily = 'ipv4' | 'ipv6';

export interface ResolvedAddress {
  address: string;
  family: AddressFamily;
}

/** Resolves a host name to all of its addresses (the system resolver, as a connection would). */
export type HostResolver = (host: string) => Promise<ResolvedAddress[]>;

export const resolveHost: HostResolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 'ipv6' : 'ipv4' }));

/**
 * Address ranges no webhook reaches unless allow-listed, by what they are. Node's BlockList also
 * matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 ranges; the other IPv6
 * forms that embed an IPv4 address (NAT64, 6to4, Teredo) are refused as a whole, whatever the
 * address inside, since a translator would forward to it (64:ff9b::a9fe:a9fe is 169.254.169.254).
 */
const NON_PUBLIC_RANGES: ReadonlyArray<readonly [kind: string, network: string, prefix: number, family: AddressFamily]> = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['shared (CGNAT)', '100.64.0.0', 10, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['documentation', '192.0.2.0', 24, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'],
  ['documentation', '198.51.100.0', 24, 'ipv4'],
  ['documentation', '203.0.113.0', 24, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['IPv4-compatible', '::', 96, 'ipv6'],
  // Forms that carry an IPv4 address inside (a translator or relay then reaches it, private or not).
  ['NAT64', '64:ff9b::', 96, 'ipv6'],
  ['NAT64', '64:ff9b:1::', 48, 'ipv6'],
  ['6to4', '2002::', 16, 'ipv6'],
  ['Teredo', '2001::', 32, 'ipv6'],
  ['discard-only', '100::', 64, 'ipv6'],
  ['documentation', '2001:db8::', 32, 'ipv6'],
  ['unique-local', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['site-local', 'fec0::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
];

const NON_PUBLIC: ReadonlyArray<readonly [kind: string, ranges: BlockList]> = (() => {
  const byKind = new Map<string, BlockList>();
  for (const [kind, network, prefix, family] of NON_PUBLIC_RANGES) {
    if (!byKind.has(kind)) byKind.set(kind, new BlockList());
    byKind.get(kind)!.addSubnet(network, prefix, family);
  }
  return [...byKind];
})();

/** What kind of non-public address this is (loopback, link-local, private, …), or null for a public one. */
export function nonPublicKind(address: ResolvedAddress): string | null {
  return NON_PUBLIC.find(([, ranges]) => ranges.check(address.address, address.family))?.[0] ?? null;
}

/** The operator's exceptions: host names, and address ranges, that webhooks may reach over http and on non-public addresses. */
export interface WebhookAllowList {
  readonly hosts: ReadonlySet<string>;
  readonly ranges: BlockList;
  /** The entries as given, normalised (for logs and the config's own description). */
  readonly entries: readonly string[];
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

const familyOf = (address: string): AddressFamily | null => (isIP(address) === 4 ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : null);

/** A host as compared: lower case, without IPv6 brackets or a trailing dot. */
function normalHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/** Thrown by parseWebhookAllowList for an entry that is no host name, address or CIDR range; the message names the entry. */
export class AllowListError extends Error {}

/**
 * Parses a comma-separated allow-list: host names (`hooks.internal.gov.tw`, matched exactly),
 * addresses (`10.20.0.5`, `fd00::5`) and CIDR ranges (`10.20.0.0/16`, `fd00::/8`). Blank entries
 * are ignored; anything else that is not one of these is refused.
 */
export function parseWebhookAllowList(text: string | undefined): WebhookAllowList {
  const hosts = new Set<string>();
  const ranges = new BlockList();
  const entries: string[] = [];
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const [network = '', prefixText, ...rest] = entry.split('/');
    const family = familyOf(normalHost(network));
    if (family) {
      const max = family === 'ipv4' ? 32 : 128;
      const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
      if (rest.length || !(prefix >= 0 && prefix <= max)) throw new AllowListError(`"${raw.trim()}" has no prefix length from 0 to ${max}`);
      ranges.addSubnet(normalHost(network), prefix, family);
    } else if (HOST_NAME.test(normalHost(entry)) && !/^\d+$/.test(normalHost(entry).split('.').pop()!)) {
      // A name whose last label is a number is an (invalid) IPv4 address to a URL parser, not a host name.
      hosts.add(normalHost(entry));
    } else {
      throw new AllowListError(`"${raw.trim()}" is not a host name, an IP address or a CIDR range`);
    }
    entries.push(entry);
  }
  return { hosts, ranges, entries };
}

export const EMPTY_ALLOW_LIST: WebhookAllowList = parseWebhookAllowList('');

/** Why a target is refused: `https` (http to a host not allow-listed), `publicAddress` (a non-public address), `resolvable`, `url`. */
export interface TargetRefusal {
  rule: 'https' | 'publicAddress' | 'resolvable' | 'url';
  message: string;
}

/**
 * The rules whose breach is the target's own and lasting: the URL is not https, or it points at a
 * non-public address. A host that does not resolve now (EAI_AGAIN, ENOTFOUND) may resolve later.
 */
export const LASTING_REFUSALS: ReadonlySet<TargetRefusal['rule']> = new Set(['https', 'publicAddress']);

export type TargetVerdict = { ok: true; url: URL; host: string; addresses: ResolvedAddress[] } | { ok: false; refusals: TargetRefusal[] };

/**
 * Checks a webhook URL against the rules: https, and every address of its host public, unless the
 * allow-list names the host (then anything goes) or holds each address (then http is allowed too).
 * Returns the checked addresses: a delivery connects to one of these and to nothing else.
 */
export async function vetWebhookTarget(target: string, allow: WebhookAllowList, resolve: HostResolver = resolveHost): Promise<TargetVerdict> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { ok: false, refusals: [{ rule: 'url', message: 'url is not a URL' }] };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, refusals: [{ rule: 'https', message: 'a webhook must use https' }] };
  const host = normalHost(url.hostname);
  const literal = familyOf(host);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: host, family: literal }];
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
      return { ok: false, refusals: [{ rule: 'resolvable', message: `the host ${host} does not resolve (${code})` }] };
    }
    if (!addresses.length) return { ok: false, refusals: [{ rule: 'resolvable', message: `the host ${host} has no address` }] };
  }
  const namedByOperator = allow.hosts.has(host);
  const allowed = (a: ResolvedAddress) => namedByOperator || allow.ranges.check(a.address, a.family);
  const refusals: TargetRefusal[] = [];
  if (url.protocol === 'http:' && !addresses.every(allowed)) {
    refusals.push({ rule: 'https', message: 'a webhook must use https (http only to a host allowed by WEBHOOK_ALLOWED_HOSTS)' });
  }
  for (const a of addresses) {
    const kind = allowed(a) ? null : nonPublicKind(a);
    if (kind) {
      refusals.push({
        rule: 'publicAddress',
        message: `${literal ? host : `${host} resolves to ${a.address}, which`} is a ${kind} address, not allowed by WEBHOOK_ALLOWED_HOSTS`,
      });
    }
  }
  return refusals.length ? { ok: false, refusals } : { ok: true, url, host, addresses };
}
