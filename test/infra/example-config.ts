import { readFileSync } from 'node:fs';

/** The `context` of the shipped cdk.json: what a fresh clone synthesizes. */
export function shippedContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context;
}

/** The shipped example `sinch` config, deep-copied so tests can change it freely. */
export function exampleConfig(): {
  projectId: string;
  regions: Record<
    string,
    { awsRegion: string; apps: Array<{ id: string; name?: string; triggers?: string[] }> } & Record<
      string,
      unknown
    >
  >;
  [key: string]: unknown;
} {
  return structuredClone(shippedContext().sinch) as ReturnType<typeof exampleConfig>;
}

export const EU_APP = '01JD4T8R0Y6W9E2B7KQ5M3NXZA';
export const EU_SMS_APP = '01JD4T8R0Y6W9E2B7KQ5M3NXZB';
export const US_APP = '01JD4T9C3VGW7YAQ2H8N5PRF6D';
