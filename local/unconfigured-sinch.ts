import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stand-in tells the sender, and so what `outbound.failed` carries. */
export const NO_CREDENTIALS_MESSAGE =
  'local bridge has no Sinch credentials: set SINCH_KEY_ID and SINCH_KEY_SECRET (and SINCH_PROJECT_ID) and restart';

/** A running stand-in. */
export interface UnconfiguredSinch {
  /** Base URL for `SINCH_API_URL`. */
  apiUrl: string;
  /** Token URL for `SINCH_AUTH_URL`. */
  authUrl: string;
  close(): Promise<void>;
}

/**
 * The Sinch the local bridge talks to when it has no credentials: it hands out tokens but
 * refuses every API call with 403 `PERMISSION_DENIED` and a message saying what is missing.
 * Why: the send function then publishes `outbound.failed` (`rejected`) at once, so a newcomer
 * sees the command arrive and fail visibly, instead of retries against the real Sinch failing
 * slowly (a refused token is retryable, by design, for deployed stacks).
 *
 * @example
 * const sinch = await startUnconfiguredSinch();
 * process.env.SINCH_API_URL = sinch.apiUrl;
 * process.env.SINCH_AUTH_URL = sinch.authUrl;
 */
export async function startUnconfiguredSinch(): Promise<UnconfiguredSinch> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url?.startsWith('/oauth2/token')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            access_token: `unconfigured-${randomBytes(8).toString('hex')}`,
            token_type: 'Bearer',
            expires_in: 3600,
            scope: '',
          }),
        );
        return;
      }
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 403, message: NO_CREDENTIALS_MESSAGE, status: 'PERMISSION_DENIED', details: [] },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: base,
    authUrl: `${base}/oauth2/token`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
