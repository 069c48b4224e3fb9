/**
 * Which IP addresses the media fetcher may connect to. A media URL comes from a contact's
 * message, so it is attacker-chosen: without this check a callback could make the bridge read
 * the instance metadata service (169.254.169.254, fd00:ec2::254), a VPC-internal service or the
 * function's own loopback, and store the answer where operators fetch it.
 *
 * The rule is an allow-list: only globally routable unicast addresses pass (ipaddr.js's
 * `unicast` range, kept up to date with IANA's special-purpose registries). Everything else is
 * refused with the name of its range: private, loopback, link-local (which holds the IPv4
 * metadata address), carrier-grade NAT, multicast, broadcast, unspecified, reserved and
 * documentation ranges, unique-local IPv6 (which holds fd00:ec2::254), and every IPv6 form that
 * embeds an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo), whose inner address could be any
 * of the above.
 */
import ipaddr from 'ipaddr.js';

export interface AddressPolicyOptions {
  /**
   * Also allow loopback (127.0.0.0/8, ::1): local mode only, where the media server of the local
   * Sinch stand-in and the tests' media servers listen on loopback. Never set in AWS.
   * @default false
   */
  allowLoopback?: boolean;
}

export type AddressVerdict =
  | { allowed: true; address: string; family: 4 | 6 }
  | { allowed: false; address: string; range: string };

/** The metadata endpoints, named in refusals so a log line says what was attempted. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254']);

/**
 * Decides whether the fetcher may connect to `address` (an IP address as DNS answered it or as a
 * URL spelled it). Addresses that do not parse are refused (`range: 'invalid'`).
 *
 * @example
 * checkAddress('93.184.215.14'); // { allowed: true, address: '93.184.215.14', family: 4 }
 * checkAddress('169.254.169.254'); // { allowed: false, address: '169.254.169.254', range: 'metadata' }
 * checkAddress('127.0.0.1', { allowLoopback: true }).allowed; // true
 */
export function checkAddress(address: string, options: AddressPolicyOptions = {}): AddressVerdict {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // IPv6 zone ids (fe80::1%eth0) are link-local by definition; ipaddr.js parses the zone too.
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(bare);
  } catch {
    return { allowed: false, address: bare, range: 'invalid' };
  }
  const canonical = parsed.toString();
  if (METADATA_ADDRESSES.has(canonical)) return { allowed: false, address: canonical, range: 'metadata' };
  const range = parsed.range();
  const family = parsed.kind() === 'ipv4' ? 4 : 6;
  if (range === 'unicast') return { allowed: true, address: canonical, family };
  if (range === 'loopback' && options.allowLoopback) return { allowed: true, address: canonical, family };
  return { allowed: false, address: canonical, range };
}
