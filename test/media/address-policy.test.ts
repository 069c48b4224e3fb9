import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAddress } from '../../functions/media/address-policy';
import { openMedia } from '../../functions/media/safe-fetch';

/**
 * The oracle: IPv4 ranges a media fetch must never reach, written out here from the IANA
 * special-purpose registry independently of the code under test.
 */
const BLOCKED_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], // this network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, holds the metadata service
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

const toInt = (dotted: string) => dotted.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const toDotted = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
const inRange = (n: number, [base, bits]: [string, number]) =>
  bits === 0 || n >>> (32 - bits) === toInt(base) >>> (32 - bits);
const isBlocked = (n: number) => BLOCKED_V4.some((range) => inRange(n, range));

/** Any address inside one of the blocked ranges. */
const blockedV4 = fc
  .constantFrom(...BLOCKED_V4)
  .chain(([base, bits]) =>
    fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((offset) => (toInt(base) + offset) >>> 0),
  );

/** The spellings of one IPv4 address that URL parsers (and `inet_aton`) accept. */
const spellings = (n: number): string[] => {
  const octets = [24, 16, 8, 0].map((shift) => (n >>> shift) & 255);
  return [
    toDotted(n),
    String(n), // decimal: http://2130706433/
    `0x${n.toString(16)}`, // hex: http://0x7f000001/
    octets.map((o) => `0${o.toString(8)}`).join('.'), // octal octets: 0177.0.0.01
    octets.map((o) => `0x${o.toString(16)}`).join('.'), // hex octets
    `${octets[0]}.${(n & 0xffffff) >>> 0}`, // two parts: 127.1
  ];
};

describe('checkAddress', () => {
  it('refuses every address of the private, loopback, link-local, CGNAT, multicast and reserved IPv4 ranges', () => {
    fc.assert(
      fc.property(blockedV4, (n) => {
        expect(checkAddress(toDotted(n)).allowed).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses them however a URL spells them: decimal, octal, hex, short forms', () => {
    fc.assert(
      fc.property(blockedV4, (n) => {
        for (const spelling of spellings(n)) {
          // Prepare: what the fetcher sees is the URL's canonical host name.
          const host = new URL(`https://${spelling}/photo.jpg`).hostname;
          // Assess
          expect(host).toBe(toDotted(n));
          expect(checkAddress(host).allowed).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('allows public IPv4 addresses and only those', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        expect(checkAddress(toDotted(n)).allowed).toBe(!isBlocked(n));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses IPv4-mapped, NAT64, 6to4 and Teredo IPv6 forms, whatever IPv4 they carry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        const dotted = toDotted(n);
        const hex = `${((n >>> 16) & 0xffff).toString(16)}:${(n & 0xffff).toString(16)}`;
        for (const form of [
          `::ffff:${dotted}`,
          `::ffff:${hex}`,
          `64:ff9b::${dotted}`,
          `2002:${hex}::1`,
          `2001:0:${hex}::1`,
        ]) {
          expect(checkAddress(form).allowed, form).toBe(false);
          expect(checkAddress(new URL(`https://[${form}]/`).hostname).allowed, form).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  const hextet = fc.integer({ min: 0, max: 0xffff }).map((h) => h.toString(16));
  const v6WithPrefix = (first: fc.Arbitrary<number>) =>
    fc
      .tuple(first, fc.array(hextet, { minLength: 7, maxLength: 7 }))
      .map(([head, rest]) => [head.toString(16), ...rest].join(':'));

  it('refuses unique-local (fc00::/7), link-local (fe80::/10) and multicast (ff00::/8) IPv6', () => {
    const uniqueLocal = v6WithPrefix(fc.integer({ min: 0xfc00, max: 0xfdff }));
    const linkLocal = v6WithPrefix(fc.integer({ min: 0xfe80, max: 0xfebf }));
    const multicast = v6WithPrefix(fc.integer({ min: 0xff00, max: 0xffff }));
    fc.assert(
      fc.property(fc.oneof(uniqueLocal, linkLocal, multicast), (address) => {
        expect(checkAddress(address).allowed).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('allows global unicast IPv6 (2000::/3 outside the special ranges)', () => {
    // 2600::/8 .. 2a00::/8 are allocated to registries and hold no special-purpose block.
    fc.assert(
      fc.property(v6WithPrefix(fc.integer({ min: 0x2600, max: 0x2aff })), (address) => {
        expect(checkAddress(address)).toMatchObject({ allowed: true, family: 6 });
      }),
      { numRuns: 1000 },
    );
  });

  it('names the metadata service addresses', () => {
    expect(checkAddress('169.254.169.254')).toEqual({
      allowed: false,
      address: '169.254.169.254',
      range: 'metadata',
    });
    expect(checkAddress('fd00:ec2::254')).toMatchObject({ allowed: false, range: 'metadata' });
    expect(checkAddress('[fd00:ec2:0::254]')).toMatchObject({ allowed: false, range: 'metadata' });
  });

  it('allows loopback only when asked to (local mode)', () => {
    for (const address of ['127.0.0.1', '127.255.0.9', '::1']) {
      expect(checkAddress(address).allowed).toBe(false);
      expect(checkAddress(address, { allowLoopback: true }).allowed).toBe(true);
    }
    // Local mode still refuses everything else.
    expect(checkAddress('10.0.0.1', { allowLoopback: true }).allowed).toBe(false);
    expect(checkAddress('169.254.169.254', { allowLoopback: true }).allowed).toBe(false);
    expect(checkAddress('::ffff:127.0.0.1', { allowLoopback: true }).allowed).toBe(false);
  });

  it('refuses what is not an address', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        fc.pre(!/^[0-9a-fA-F:.%[\]]*$/.test(text));
        expect(checkAddress(text)).toMatchObject({ allowed: false, range: 'invalid' });
      }),
    );
  });
});

describe('openMedia refuses blocked literals before connecting', () => {
  it('for any spelling of a blocked IPv4 address in an https URL', async () => {
    await fc.assert(
      fc.asyncProperty(blockedV4, fc.nat({ max: 5 }), async (n, index) => {
        const spelling = spellings(n)[index]!;
        await expect(
          openMedia(`https://${spelling}/media.jpg`, { maxBytes: 1024, signal: AbortSignal.timeout(5000) }),
        ).rejects.toMatchObject({ kind: 'refused', reason: 'address_not_allowed' });
      }),
      { numRuns: 300 },
    );
  });
});
