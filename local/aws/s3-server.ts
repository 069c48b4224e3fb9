import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';

/*
 * Why hand-written: the npm S3 servers that install without scripts (s3rver 3.7 and its
 * maintained fork @20minutes/s3rver 4.0.4, the last one for Node 20) answer ListObjectsV2 with a
 * `/` in the prefix with SignatureDoesNotMatch (they canonicalize the query differently from the
 * AWS SDK v3) and a 1,025-byte key with a 500 instead of KeyTooLongError. The operations the bridge
 * uses are few, so this server implements exactly those, as strictly as S3 does.
 */

/** A stored object. */
export interface StoredObject {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
  metadata: Record<string, string>;
  serverSideEncryption?: string;
  kmsKeyId?: string;
}

/** What a fault hook sees of a request, after authentication. */
export interface S3RequestInfo {
  method: string;
  operation: S3Operation;
  bucket: string;
  key?: string;
}

export type S3Operation =
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'ListObjectsV2'
  | 'HeadBucket'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload';

/** An injected S3 error (`InternalError` 500 and `SlowDown` 503 are what S3 sends when unwell). */
export interface S3Fault {
  status: number;
  code: string;
  message?: string;
}

export interface LocalS3Options {
  /** Buckets that exist from the start; every other bucket answers NoSuchBucket. */
  buckets?: string[];
  /** Default 0 (a free port). */
  port?: number;
  /** Region of the buckets: requests signed for another region are refused. Default `us-east-1`. */
  region?: string;
  /** The one access key the server accepts. Default `local` / `local` (what the local bridge sets). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Called for every authenticated request; a returned fault is answered instead. */
  fault?: (request: S3RequestInfo) => S3Fault | undefined;
}

/** A running loopback S3. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL_S3` should be (path-style addressing). */
  endpoint: string;
  /** The objects of a bucket, in key order (tests inspect them without going through HTTP). */
  objects(bucket: string): Array<[string, StoredObject]>;
  /** Replaces the fault hook. */
  setFault(fault: LocalS3Options['fault']): void;
  close(): Promise<void>;
}

const MAX_KEY_BYTES = 1024;
const MAX_PUT_BYTES = 5 * 1024 ** 3;
const MAX_LIST_KEYS = 1000;
const MAX_DELETE_KEYS = 1000;
const MAX_PRESIGN_SECONDS = 604_800;
const MAX_CLOCK_SKEW_MS = 15 * 60_000;
const ENCRYPTIONS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);
/** S3's multipart limits: every part but the last at least 5 MiB, part numbers 1..10,000. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;

/** A multipart upload between CreateMultipartUpload and Complete/Abort. */
interface PendingUpload {
  bucket: string;
  key: string;
  /** The object's attributes, given at creation (its body is the parts). */
  template: StoredObject;
  parts: Map<number, { body: Buffer; etag: string }>;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Starts an in-memory S3 on loopback for the AWS SDK v3 with `forcePathStyle: true`: PutObject
 * (plain or `aws-chunked` bodies, Content-MD5 and CRC32 checksums checked), CopyObject, GetObject
 * (one byte range), HeadObject, DeleteObject, DeleteObjects, ListObjectsV2 (prefix, delimiter,
 * continuation), HeadBucket, multipart uploads (Create, UploadPart, Complete with S3's part-size
 * and part-order rules, Abort), and pre-signed GET URLs. Every request's SigV4 signature is checked
 * (header or query), as are the payload hash, the clock skew and a pre-signed URL's expiry.
 *
 * @example
 * const s3 = await startLocalS3({ buckets: ['archive'] });
 * const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1',
 *   credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
 */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const region = options.region ?? 'us-east-1';
  const credentials = options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' };
  const buckets = new Map<string, Map<string, StoredObject>>();
  for (const name of options.buckets ?? []) buckets.set(name, new Map());
  const uploads = new Map<string, PendingUpload>();
  let fault = options.fault;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PUT_BYTES + 1024 * 1024) chunks.push(chunk);
    });
    req.on('end', () => {
      const requestId = randomBytes(8).toString('hex').toUpperCase();
      try {
        handle(req, res, Buffer.concat(chunks), requestId);
      } catch (error) {
        const e =
          error instanceof S3Error
            ? error
            : new S3Error(500, 'InternalError', 'We encountered an internal error.');
        sendError(req, res, e, requestId);
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer, requestId: string): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const segments = url.pathname.split('/');
    const bucketName = decodeURIComponent(segments[1] ?? '');
    const rawKey = segments.slice(2).join('/');
    const key = rawKey === '' ? undefined : decodeURIComponent(rawKey);

    const body = authenticate(req, url, raw);
    if (!bucketName) throw new S3Error(501, 'NotImplemented', 'ListBuckets is not implemented here');
    const operation = operationOf(method, url, key, req);
    const objects = buckets.get(bucketName);
    if (!objects) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (key !== undefined && Buffer.byteLength(key) > MAX_KEY_BYTES)
      throw new S3Error(400, 'KeyTooLongError', 'Your key is too long');
    const injected = fault?.({
      method,
      operation,
      bucket: bucketName,
      ...(key !== undefined ? { key } : {}),
    });
    if (injected) throw new S3Error(injected.status, injected.code, injected.message ?? 'Injected fault');

    const common = { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId };
    switch (operation) {
      case 'HeadBucket':
        res.writeHead(200, { ...common, 'x-amz-bucket-region': region });
        return void res.end();
      case 'PutObject': {
        const stored = storedFrom(req, body);
        objects.set(key!, stored);
        res.writeHead(200, { ...common, etag: stored.etag, ...encryptionHeaders(stored) });
        return void res.end();
      }
      case 'CopyObject': {
        const source = copySource(String(req.headers['x-amz-copy-source']));
        const from = buckets.get(source.bucket);
        if (!from) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
        const original = from.get(source.key);
        if (!original) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
        const replace = String(req.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase();
        if (replace !== 'COPY' && replace !== 'REPLACE')
          throw new S3Error(400, 'InvalidArgument', 'Unknown metadata directive.');
        const sameObject = source.bucket === bucketName && source.key === key;
        const withEncryption = req.headers['x-amz-server-side-encryption'] !== undefined;
        if (sameObject && replace === 'COPY' && !withEncryption)
          throw new S3Error(
            400,
            'InvalidRequest',
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
          );
        const fresh = storedFrom(req, original.body);
        const copy: StoredObject =
          replace === 'REPLACE'
            ? fresh
            : {
                ...fresh,
                contentType: original.contentType,
                metadata: { ...original.metadata },
              };
        objects.set(key!, copy);
        res.writeHead(200, { ...common, 'content-type': 'application/xml', ...encryptionHeaders(copy) });
        return void res.end(
          xml(
            'CopyObjectResult',
            `<LastModified>${copy.lastModified.toISOString()}</LastModified><ETag>${escapeXml(copy.etag)}</ETag>`,
          ),
        );
      }
      case 'GetObject':
      case 'HeadObject': {
        const object = objects.get(key!);
        if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
        const headers: Record<string, string | number> = {
          ...common,
          'content-type': object.contentType,
          etag: object.etag,
          'last-modified': object.lastModified.toUTCString(),
          'accept-ranges': 'bytes',
          ...encryptionHeaders(object),
        };
        for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
        let status = 200;
        let slice = object.body;
        const range = req.headers.range;
        if (range) {
          const bytes = byteRange(range, object.body.length);
          if (bytes) {
            status = 206;
            slice = object.body.subarray(bytes.start, bytes.end + 1);
            headers['content-range'] = `bytes ${bytes.start}-${bytes.end}/${object.body.length}`;
          }
        }
        headers['content-length'] = slice.length;
        res.writeHead(status, headers);
        return void res.end(operation === 'GetObject' ? slice : undefined);
      }
      case 'DeleteObject':
        objects.delete(key!);
        res.writeHead(204, common);
        return void res.end();
      case 'DeleteObjects': {
        requireChecksum(req, body);
        const request = body.toString('utf8');
        if (!/^\s*(<\?xml[^>]*\?>)?\s*<Delete[\s>]/.test(request))
          throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed');
        const keys = [...request.matchAll(/<Object>\s*<Key>([\s\S]*?)<\/Key>[\s\S]*?<\/Object>/g)].map((m) =>
          unescapeXml(m[1]!),
        );
        if (keys.length === 0 || keys.length > MAX_DELETE_KEYS)
          throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed');
        const quiet = /<Quiet>\s*true\s*<\/Quiet>/.test(request);
        let result = '';
        for (const k of keys) {
          if (Buffer.byteLength(k) > MAX_KEY_BYTES) {
            result += `<Error><Key>${escapeXml(k)}</Key><Code>KeyTooLongError</Code><Message>Your key is too long</Message></Error>`;
            continue;
          }
          objects.delete(k);
          if (!quiet) result += `<Deleted><Key>${escapeXml(k)}</Key></Deleted>`;
        }
        res.writeHead(200, { ...common, 'content-type': 'application/xml' });
        return void res.end(xml('DeleteResult', result));
      }
      case 'ListObjectsV2':
        res.writeHead(200, { ...common, 'content-type': 'application/xml' });
        return void res.end(listObjectsV2(bucketName, objects, url.searchParams));
      case 'CreateMultipartUpload': {
        const uploadId = randomBytes(24).toString('base64url');
        uploads.set(uploadId, {
          bucket: bucketName,
          key: key!,
          template: storedFrom(req, Buffer.alloc(0)),
          parts: new Map(),
        });
        res.writeHead(200, { ...common, 'content-type': 'application/xml' });
        return void res.end(
          xml(
            'InitiateMultipartUploadResult',
            `<Bucket>${escapeXml(bucketName)}</Bucket><Key>${escapeXml(key!)}</Key><UploadId>${uploadId}</UploadId>`,
          ),
        );
      }
      case 'UploadPart': {
        const upload = pendingUpload(bucketName, key!, url.searchParams);
        const partNumber = Number(url.searchParams.get('partNumber'));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER)
          throw new S3Error(
            400,
            'InvalidArgument',
            'Part number must be an integer between 1 and 10000, inclusive',
          );
        requireChecksum(req, body, false);
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        upload.parts.set(partNumber, { body, etag });
        res.writeHead(200, { ...common, etag });
        return void res.end();
      }
      case 'CompleteMultipartUpload': {
        const uploadId = url.searchParams.get('uploadId')!;
        const upload = pendingUpload(bucketName, key!, url.searchParams);
        const listed = [...body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
          partNumber: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1]!)?.[1]),
          etag: unescapeXml(/<ETag>([\s\S]*?)<\/ETag>/.exec(m[1]!)?.[1] ?? ''),
        }));
        if (listed.length === 0)
          throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed');
        const chosen: Buffer[] = [];
        const digests: Buffer[] = [];
        if (listed.some((part, index) => index > 0 && part.partNumber <= listed[index - 1]!.partNumber))
          throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order.');
        listed.forEach((part, index) => {
          const stored = upload.parts.get(part.partNumber);
          const unquoted = (etag: string) => etag.replace(/^"|"$/g, '');
          if (!stored || unquoted(stored.etag) !== unquoted(part.etag))
            throw new S3Error(400, 'InvalidPart', 'One or more of the specified parts could not be found.');
          if (index < listed.length - 1 && stored.body.length < MIN_PART_BYTES)
            throw new S3Error(
              400,
              'EntityTooSmall',
              'Your proposed upload is smaller than the minimum allowed object size.',
            );
          chosen.push(stored.body);
          digests.push(Buffer.from(unquoted(stored.etag), 'hex'));
        });
        const etag = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${listed.length}"`;
        const object: StoredObject = {
          ...upload.template,
          body: Buffer.concat(chosen),
          etag,
          lastModified: new Date(Math.floor(Date.now() / 1000) * 1000),
        };
        objects.set(key!, object);
        uploads.delete(uploadId);
        res.writeHead(200, { ...common, 'content-type': 'application/xml', ...encryptionHeaders(object) });
        return void res.end(
          xml(
            'CompleteMultipartUploadResult',
            `<Location>${escapeXml(`/${bucketName}/${key}`)}</Location><Bucket>${escapeXml(bucketName)}</Bucket><Key>${escapeXml(key!)}</Key><ETag>${escapeXml(etag)}</ETag>`,
          ),
        );
      }
      case 'AbortMultipartUpload':
        pendingUpload(bucketName, key!, url.searchParams);
        uploads.delete(url.searchParams.get('uploadId')!);
        res.writeHead(204, common);
        return void res.end();
    }
  }

  /** The pending upload a request names, or NoSuchUpload as S3 answers. */
  function pendingUpload(bucket: string, key: string, query: URLSearchParams): PendingUpload {
    const upload = uploads.get(query.get('uploadId') ?? '');
    if (!upload || upload.bucket !== bucket || upload.key !== key)
      throw new S3Error(
        404,
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      );
    return upload;
  }

  /** Verifies the SigV4 signature (header or pre-signed query); returns the decoded payload. */
  function authenticate(req: IncomingMessage, url: URL, raw: Buffer): Buffer {
    const query = url.searchParams;
    const presigned = query.has('X-Amz-Signature') || query.has('X-Amz-Credential');
    let credential: string;
    let signedHeaders: string;
    let signature: string;
    let amzDate: string;
    let payloadHash: string;
    if (presigned) {
      if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256')
        throw new S3Error(
          400,
          'AuthorizationQueryParametersError',
          'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
        );
      credential = query.get('X-Amz-Credential') ?? '';
      signedHeaders = query.get('X-Amz-SignedHeaders') ?? '';
      signature = query.get('X-Amz-Signature') ?? '';
      amzDate = query.get('X-Amz-Date') ?? '';
      const expires = Number(query.get('X-Amz-Expires'));
      if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS)
        throw new S3Error(
          400,
          'AuthorizationQueryParametersError',
          'X-Amz-Expires must be between 1 and 604800 seconds',
        );
      const signedAt = parseAmzDate(amzDate);
      if (Date.now() > signedAt + expires * 1000)
        throw new S3Error(403, 'AccessDenied', 'Request has expired');
      if (signedAt - Date.now() > MAX_CLOCK_SKEW_MS)
        throw new S3Error(403, 'AccessDenied', 'Request is not valid yet');
      payloadHash = 'UNSIGNED-PAYLOAD';
    } else {
      const authorization = String(req.headers.authorization ?? '');
      if (!authorization) throw new S3Error(403, 'AccessDenied', 'Access Denied');
      const match =
        /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
          authorization,
        );
      if (!match) throw new S3Error(400, 'InvalidRequest', 'The authorization header is malformed');
      [, credential, signedHeaders, signature] = match as unknown as [string, string, string, string];
      amzDate = String(req.headers['x-amz-date'] ?? '');
      const signedAt = parseAmzDate(amzDate);
      if (Math.abs(Date.now() - signedAt) > MAX_CLOCK_SKEW_MS)
        throw new S3Error(
          403,
          'RequestTimeTooSkewed',
          'The difference between the request time and the current time is too large.',
        );
      payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
      if (!payloadHash)
        throw new S3Error(
          400,
          'InvalidRequest',
          'Missing required header for this request: x-amz-content-sha256',
        );
    }

    const [accessKeyId, date, scopeRegion, service, terminal] = credential.split('/');
    if (accessKeyId !== credentials.accessKeyId)
      throw new S3Error(
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
      );
    if (service !== 's3' || terminal !== 'aws4_request' || date !== amzDate.slice(0, 8))
      throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed');
    if (scopeRegion !== region)
      throw new S3Error(
        400,
        'AuthorizationHeaderMalformed',
        `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${region}'`,
      );
    const headerNames = signedHeaders.split(';');
    if (!headerNames.includes('host'))
      throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The host header must be signed');

    const canonicalQuery = [...query.entries()]
      .filter(([name]) => name !== 'X-Amz-Signature')
      .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
      .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
      .map(([name, value]) => `${name}=${value}`)
      .join('&');
    const canonicalHeaders = headerNames
      .map((name) => {
        const value = req.headers[name];
        const text = Array.isArray(value) ? value.join(',') : (value ?? '');
        return `${name}:${String(text).trim().replace(/\s+/g, ' ')}\n`;
      })
      .join('');
    const canonicalPath = url.pathname
      .split('/')
      .map((segment) => rfc3986(decodeURIComponent(segment)))
      .join('/');
    const canonicalRequest = [
      req.method,
      canonicalPath,
      canonicalQuery,
      canonicalHeaders,
      signedHeaders,
      payloadHash,
    ].join('\n');
    const scope = `${date}/${scopeRegion}/s3/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
    let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, date!);
    for (const part of [scopeRegion!, 's3', 'aws4_request']) key = hmac(key, part);
    const expected = createHmac('sha256', key).update(stringToSign).digest();
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new S3Error(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      );

    return payloadOf(req, raw, payloadHash);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects: (bucket) => [...(buckets.get(bucket) ?? new Map<string, StoredObject>()).entries()].sort(byKey),
    setFault: (next) => {
      fault = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Which S3 operation a path-style request is, or NotImplemented for anything else. */
function operationOf(method: string, url: URL, key: string | undefined, req: IncomingMessage): S3Operation {
  const q = url.searchParams;
  const subresources = [...q.keys()].filter(
    (name) => !name.toLowerCase().startsWith('x-amz-') && name !== 'x-id',
  );
  if (key === undefined) {
    if (method === 'GET' && q.get('list-type') === '2') return 'ListObjectsV2';
    if (method === 'POST' && q.has('delete')) return 'DeleteObjects';
    if (method === 'HEAD' && subresources.length === 0) return 'HeadBucket';
  } else if (method === 'POST' && subresources.length === 1 && q.has('uploads')) {
    return 'CreateMultipartUpload';
  } else if (method === 'PUT' && q.has('uploadId') && q.has('partNumber') && subresources.length === 2) {
    return 'UploadPart';
  } else if (method === 'POST' && q.has('uploadId') && subresources.length === 1) {
    return 'CompleteMultipartUpload';
  } else if (method === 'DELETE' && q.has('uploadId') && subresources.length === 1) {
    return 'AbortMultipartUpload';
  } else if (
    subresources.length === 0 ||
    (method === 'GET' && subresources.every((s) => s.startsWith('response-')))
  ) {
    if (method === 'PUT') return req.headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    if (method === 'GET') return 'GetObject';
    if (method === 'HEAD') return 'HeadObject';
    if (method === 'DELETE') return 'DeleteObject';
  }
  throw new S3Error(
    501,
    'NotImplemented',
    `${method} ${url.pathname}?${[...q.keys()].join('&')} is not implemented here`,
  );
}

/** The body S3 would store: plain, or `aws-chunked` with its trailing checksum checked. */
function payloadOf(req: IncomingMessage, raw: Buffer, payloadHash: string): Buffer {
  if (payloadHash === 'UNSIGNED-PAYLOAD') return raw;
  if (payloadHash === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') return decodeAwsChunked(req, raw);
  if (payloadHash.startsWith('STREAMING-'))
    throw new S3Error(501, 'NotImplemented', `${payloadHash} is not implemented here`);
  if (!/^[0-9a-f]{64}$/.test(payloadHash))
    throw new S3Error(
      400,
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a hex SHA-256',
    );
  if (sha256Hex(raw) !== payloadHash)
    throw new S3Error(
      400,
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  return raw;
}

function decodeAwsChunked(req: IncomingMessage, raw: Buffer): Buffer {
  const declared = Number(req.headers['x-amz-decoded-content-length']);
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) throw new S3Error(400, 'IncompleteBody', 'The request body terminated unexpectedly');
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new S3Error(400, 'InvalidChunkSizeError', 'Invalid chunk size');
    at = eol + 2;
    if (size === 0) break;
    parts.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  const body = Buffer.concat(parts);
  if (!Number.isInteger(declared) || declared !== body.length)
    throw new S3Error(
      400,
      'IncompleteBody',
      'You did not provide the number of bytes specified by the Content-Length HTTP header',
    );
  const trailer = raw.subarray(at).toString('latin1');
  const checksum = /x-amz-checksum-crc32:([A-Za-z0-9+/=]+)/i.exec(trailer);
  if (checksum && crc32Base64(body) !== checksum[1])
    throw new S3Error(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
  return body;
}

/** Builds a stored object from a PutObject/CopyObject request, checking what S3 checks. */
function storedFrom(req: IncomingMessage, body: Buffer): StoredObject {
  if (body.length > MAX_PUT_BYTES)
    throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
  requireChecksum(req, body, false);
  const metadata: Record<string, string> = {};
  let metadataBytes = 0;
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const short = name.slice('x-amz-meta-'.length);
    metadata[short] = String(value);
    metadataBytes += Buffer.byteLength(short) + Buffer.byteLength(String(value));
  }
  if (metadataBytes > 2048)
    throw new S3Error(
      400,
      'MetadataTooLarge',
      'Your metadata headers exceed the maximum allowed metadata size.',
    );
  const encryption = req.headers['x-amz-server-side-encryption'] as string | undefined;
  if (encryption !== undefined && !ENCRYPTIONS.has(encryption))
    throw new S3Error(400, 'InvalidArgument', 'The encryption method specified is not supported');
  const kmsKeyId = req.headers['x-amz-server-side-encryption-aws-kms-key-id'] as string | undefined;
  if (kmsKeyId !== undefined && !encryption?.startsWith('aws:kms'))
    throw new S3Error(400, 'InvalidArgument', 'A KMS key id is only valid with aws:kms encryption');
  return {
    body,
    contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'),
    etag: `"${createHash('md5').update(body).digest('hex')}"`,
    lastModified: new Date(Math.floor(Date.now() / 1000) * 1000),
    metadata,
    ...(encryption ? { serverSideEncryption: encryption } : {}),
    ...(kmsKeyId ? { kmsKeyId } : {}),
  };
}

/** Checks Content-MD5 and x-amz-checksum-crc32 when given; `required` for DeleteObjects. */
function requireChecksum(req: IncomingMessage, body: Buffer, required = true): void {
  const md5 = req.headers['content-md5'] as string | undefined;
  const crc = req.headers['x-amz-checksum-crc32'] as string | undefined;
  if (md5 !== undefined && createHash('md5').update(body).digest('base64') !== md5)
    throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  if (crc !== undefined && crc32Base64(body) !== crc)
    throw new S3Error(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
  const other = Object.keys(req.headers).some(
    (h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-crc32',
  );
  if (required && md5 === undefined && crc === undefined && !other)
    throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
}

function listObjectsV2(bucket: string, objects: Map<string, StoredObject>, q: URLSearchParams): string {
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeysText = q.get('max-keys');
  const maxKeys = maxKeysText === null ? MAX_LIST_KEYS : Number(maxKeysText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0)
    throw new S3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
  const limit = Math.min(maxKeys, MAX_LIST_KEYS);
  const token = q.get('continuation-token');
  let after = q.get('start-after') ?? '';
  if (token !== null) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!decoded.startsWith('bridge:'))
      throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect');
    after = decoded.slice('bridge:'.length);
  }
  const urlEncoded = q.get('encoding-type') === 'url';
  const encode = (text: string) => escapeXml(urlEncoded ? rfc3986(text).replace(/%2F/g, '/') : text);
  const keys = [...objects.keys()]
    .filter((k) => k.startsWith(prefix) && compareKeys(k, after) > 0)
    .sort(compareKeys);
  const contents: string[] = [];
  const commonPrefixes: string[] = [];
  let last = '';
  let truncated = false;
  for (const k of keys) {
    if (delimiter) {
      const cut = k.indexOf(delimiter, prefix.length);
      if (cut >= 0) {
        const common = k.slice(0, cut + delimiter.length);
        if (commonPrefixes.at(-1) === common) continue;
        if (contents.length + commonPrefixes.length >= limit) {
          truncated = true;
          break;
        }
        commonPrefixes.push(common);
        last = `${common}\u{10FFFF}`;
        continue;
      }
    }
    if (contents.length + commonPrefixes.length >= limit) {
      truncated = true;
      break;
    }
    const object = objects.get(k)!;
    contents.push(
      `<Contents><Key>${encode(k)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified><ETag>${escapeXml(object.etag)}</ETag><Size>${object.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    );
    last = k;
  }
  const inner = [
    `<Name>${escapeXml(bucket)}</Name>`,
    `<Prefix>${encode(prefix)}</Prefix>`,
    delimiter ? `<Delimiter>${encode(delimiter)}</Delimiter>` : '',
    `<MaxKeys>${maxKeys}</MaxKeys>`,
    `<KeyCount>${contents.length + commonPrefixes.length}</KeyCount>`,
    urlEncoded ? '<EncodingType>url</EncodingType>' : '',
    `<IsTruncated>${truncated}</IsTruncated>`,
    token !== null ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : '',
    truncated
      ? `<NextContinuationToken>${Buffer.from(`bridge:${last}`).toString('base64url')}</NextContinuationToken>`
      : '',
    ...contents,
    ...commonPrefixes.map((p) => `<CommonPrefixes><Prefix>${encode(p)}</Prefix></CommonPrefixes>`),
  ].join('');
  return xml('ListBucketResult', inner);
}

function copySource(header: string): { bucket: string; key: string } {
  const decoded = decodeURIComponent(header.split('?')[0]!).replace(/^\//, '');
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1)
    throw new S3Error(
      400,
      'InvalidArgument',
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
    );
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

function byteRange(header: string, length: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, length - Number(match[2]));
    end = length - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? length - 1 : Math.min(Number(match[2]), length - 1);
  }
  if (start >= length || start > end)
    throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable');
  return { start, end };
}

function encryptionHeaders(object: StoredObject): Record<string, string> {
  return {
    ...(object.serverSideEncryption ? { 'x-amz-server-side-encryption': object.serverSideEncryption } : {}),
    ...(object.kmsKeyId ? { 'x-amz-server-side-encryption-aws-kms-key-id': object.kmsKeyId } : {}),
  };
}

function sendError(req: IncomingMessage, res: ServerResponse, error: S3Error, requestId: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(error.status, {
    'content-type': 'application/xml',
    'x-amz-request-id': requestId,
    'x-amz-id-2': requestId,
  });
  if (req.method === 'HEAD') return void res.end();
  res.end(
    xml(
      'Error',
      `<Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message><Resource>${escapeXml(req.url?.split('?')[0] ?? '/')}</Resource><RequestId>${requestId}</RequestId>`,
    ),
  );
}

function parseAmzDate(text: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match)
    throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

/** S3 sorts keys by their UTF-8 bytes. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function byKey(a: [string, StoredObject], b: [string, StoredObject]): number {
  return compareKeys(a[0], b[0]);
}

/** SigV4's URI encoding: everything but the RFC 3986 unreserved characters. */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function crc32Base64(body: Buffer): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(body) >>> 0);
  return value.toString('base64');
}

function xml(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${root}>`;
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"\r\n]/g,
    (c) =>
      ({
        '<': '&lt;',
        '>': '&gt;',
        '&': '&amp;',
        "'": '&apos;',
        '"': '&quot;',
        '\r': '&#13;',
        '\n': '&#10;',
      })[c]!,
  );
}

function unescapeXml(text: string): string {
  return text.replace(
    /&(lt|gt|amp|apos|quot|#(\d+)|#x([0-9a-fA-F]+));/g,
    (_, name: string, dec?: string, hex?: string) => {
      if (dec) return String.fromCodePoint(Number(dec));
      if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
      return ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' } as Record<string, string>)[name]!;
    },
  );
}
