/**
 * The part of the Conversation API's app administration the bridge uses: an app's
 * `callback_settings.secret_for_overridden_callback_urls`, the secret Sinch signs the delivery
 * reports of messages sent with `callback_url` with (`PATCH /v1/projects/{p}/apps/{app}`, a
 * partial update named by `update_mask`, as Sinch's SDKs send it).
 */
import * as z from 'zod/mini';
import type { SinchRequester } from './webhooks-api';

const AppSchema = z.looseObject({
  id: z.optional(z.string()),
  callback_settings: z.optional(
    z.looseObject({ secret_for_overridden_callback_urls: z.optional(z.string()) }),
  ),
});

/**
 * @example
 * await new SinchAppsApi(client).setCallbackUrlSecret('01H...', secret);
 */
export class SinchAppsApi {
  readonly #client: SinchRequester;

  constructor(client: SinchRequester) {
    this.#client = client;
  }

  /**
   * The app's callback URL secret as Sinch returns it (`undefined` when unset or not returned).
   *
   * @example
   * const current = await apps.callbackUrlSecret('01H...');
   */
  async callbackUrlSecret(appId: string): Promise<string | undefined> {
    const answer = await this.#client.request<unknown>(
      'GET',
      this.#client.projectPath(`/apps/${encodeURIComponent(appId)}`),
    );
    return AppSchema.parse(answer ?? {}).callback_settings?.secret_for_overridden_callback_urls || undefined;
  }

  /**
   * Sets the app's callback URL secret, leaving every other app setting as it is.
   *
   * @example
   * await apps.setCallbackUrlSecret('01H...', 'new-secret');
   */
  async setCallbackUrlSecret(appId: string, secret: string): Promise<void> {
    await this.#client.request<unknown>(
      'PATCH',
      this.#client.projectPath(
        `/apps/${encodeURIComponent(appId)}?update_mask=callback_settings.secret_for_overridden_callback_urls`,
      ),
      { callback_settings: { secret_for_overridden_callback_urls: secret } },
    );
  }
}
