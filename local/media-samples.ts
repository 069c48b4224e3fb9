/**
 * Sample media files the local bridge serves on loopback (`<baseUrl>/local/media/<name>`), so an
 * inbound media message in `npm start` has a source the local media function may fetch (local
 * mode allows `http` and loopback; nothing else on this machine is reachable by that rule alone).
 * Channels' CDNs serve the real files; these are the same few files every time.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';

/** The path prefix of the sample files. */
export const MEDIA_SAMPLES_PATH = '/local/media/';

/** A 16x16 PNG in two colours, built here (no binary file in the repository). */
function samplePng(): Buffer {
  const size = 16;
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const on = (x >> 2) % 2 === (y >> 2) % 2;
      row.set(on ? [0x1f, 0x6f, 0xeb] : [0xff, 0xff, 0xff], 1 + x * 3);
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A one-page PDF saying hello. */
function samplePdf(): Buffer {
  const text = 'BT /F1 18 Tf 40 100 Td (Hello from the local bridge) Tj ET';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/** The files, by name. */
export const MEDIA_SAMPLES: Readonly<Record<string, { contentType: string; body: Buffer }>> = {
  'photo.png': { contentType: 'image/png', body: samplePng() },
  'document.pdf': { contentType: 'application/pdf', body: samplePdf() },
};

/**
 * The hex SHA-256 of a sample file, as `media.stored` reports it.
 *
 * @example
 * mediaSampleSha256('photo.png'); // '3f1c...'
 */
export function mediaSampleSha256(name: string): string | undefined {
  const sample = MEDIA_SAMPLES[name];
  return sample ? createHash('sha256').update(sample.body).digest('hex') : undefined;
}

/**
 * A local route (for the local API Gateway's `localRoutes`) that serves the sample files with
 * their `Content-Type` and `Content-Length`; an unknown name answers 404.
 *
 * @example
 * startApiGatewayServer(webhook, { ..., localRoutes: [mediaSamplesRoute(), consoleRoutes(...)] });
 */
export function mediaSamplesRoute(): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (!path.startsWith(MEDIA_SAMPLES_PATH)) return false;
    const sample = MEDIA_SAMPLES[decodeURIComponent(path.slice(MEDIA_SAMPLES_PATH.length))];
    if (!sample || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res
        .writeHead(sample ? 405 : 404, { 'content-type': 'text/plain' })
        .end(sample ? 'GET only' : 'no such sample');
      return true;
    }
    res.writeHead(200, { 'content-type': sample.contentType, 'content-length': String(sample.body.length) });
    res.end(req.method === 'HEAD' ? undefined : sample.body);
    return true;
  };
}
