import { signSinchCallback } from '../functions/sinch/signature';

/** The webhook's answer to a simulated callback. */
export interface WebhookAnswer {
  status: number;
  body: string;
}

/**
 * Posts a callback body to a webhook URL signed the way Sinch signs it (the signer the tests use).
 * The body is sent byte for byte as given, since the signature covers the raw bytes.
 *
 * @example
 * const answer = await postSignedCallback({ url, secret, body: JSON.stringify(sampleCallback('MESSAGE_INBOUND', { appId })) });
 * if (answer.status !== 200) console.error(answer.body);
 */
export async function postSignedCallback(input: {
  url: string;
  secret: string;
  body: string;
  /** Unix seconds to sign with (e.g. a stale one, to see the 401); default now. */
  timestamp?: number;
  contentType?: string;
}): Promise<WebhookAnswer> {
  const headers = signSinchCallback({
    secret: input.secret,
    body: input.body,
    ...(input.timestamp !== undefined ? { timestamp: input.timestamp } : {}),
  });
  const res = await fetch(input.url, {
    method: 'POST',
    headers: { 'content-type': input.contentType ?? 'application/json', ...headers },
    body: input.body,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.text() };
}
