/**
 * The SigV4 check an AWS service makes on a signed request (`Authorization` header form): the
 * credential's key id, scope (date, region, service), `x-amz-date` against the clock, the host
 * header signed, and the signature over the canonical request. Stand-ins call it so a signing
 * mistake fails on loopback as it would in AWS. Written out because no library verifies SigV4
 * server-side; the signing side is the AWS SDK's.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const MAX_CLOCK_SKEW_MS = 15 * 60_000;

/** Why a request's signature was refused, with the status and code AWS answers. */
export class SignatureRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * Throws `SignatureRefused` unless `req` (with its `body`) is signed for `service` in `region`
 * with `credentials`.
 *
 * @example
 * verifySigV4(req, body, { service: 'sqs', region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
 */
export function verifySigV4(
  req: IncomingMessage,
  body: Buffer,
  expected: {
    service: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  },
): void {
  const auth = String(req.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!match)
    throw new SignatureRefused(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const [, keyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  if (keyId !== expected.credentials.accessKeyId) {
    throw new SignatureRefused(
      403,
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
    );
  }
  if (service !== expected.service || region !== expected.region) {
    throw new SignatureRefused(
      403,
      'SignatureDoesNotMatch',
      `Credential should be scoped to a valid region and service: '${expected.region}/${expected.service}'`,
    );
  }
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const at = Date.parse(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (!Number.isFinite(at) || !amzDate.startsWith(date!)) {
    throw new SignatureRefused(
      400,
      'IncompleteSignature',
      'X-Amz-Date is missing or does not match the credential date',
    );
  }
  if (Math.abs(Date.now() - at) > MAX_CLOCK_SKEW_MS) {
    throw new SignatureRefused(
      403,
      'SignatureDoesNotMatch',
      'Signature expired: the request time is too far from now',
    );
  }
  const names = signedHeaders!.split(';');
  if (!names.includes('host'))
    throw new SignatureRefused(403, 'SignatureDoesNotMatch', 'The host header must be signed');
  const canonicalHeaders = names
    .map((name) => {
      const value = req.headers[name];
      return `${name}:${(Array.isArray(value) ? value.join(',') : String(value ?? '')).trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const url = new URL(req.url ?? '/', 'http://localhost');
  const canonicalRequest = [
    req.method,
    url.pathname || '/',
    '',
    canonicalHeaders,
    signedHeaders,
    createHash('sha256').update(body).digest('hex'),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${expected.credentials.secretAccessKey}`)
    .update(date!)
    .digest();
  for (const part of [region!, service!, 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  const wanted = createHmac('sha256', key).update(stringToSign).digest();
  const given = Buffer.from(signature!, 'hex');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new SignatureRefused(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
}
