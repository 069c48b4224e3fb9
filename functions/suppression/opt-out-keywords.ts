/**
 * Opt-out and opt-in keywords: which inbound texts add a recipient to the suppression list and
 * which remove it. A text counts only when its whole content, trimmed and case-folded, is a
 * keyword ("STOP" and " stop " do, "please stop" does not). Defaults below; an app may replace
 * them, and replace them again per channel (several languages: list them all).
 */
// zod/mini: classic zod's import-time setup would add ~450 KB to the router bundle.
import * as z from 'zod/mini';

export const DEFAULT_OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT'];
export const DEFAULT_OPT_IN_KEYWORDS = ['START', 'UNSTOP', 'YES'];

const Keywords = z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.maxLength(50));
const KeywordSet = z.strictObject({ optOut: z.optional(Keywords), optIn: z.optional(Keywords) });

/** One app's opt-out settings (stack config `apps[].optOut`, and the router's `SUPPRESSION_APPS`). */
export const AppOptOutSchema = z.strictObject({
  /** Replace the default keywords for every channel of the app. */
  keywords: z.optional(KeywordSet),
  /** Replace them for one channel (key: the channel, e.g. `SMS`). */
  channels: z.optional(z.record(z.string().check(z.regex(/^[A-Z][A-Z0-9_]*$/)), KeywordSet)),
  /** Sent once to a recipient who just opted out (as a transactional command). Off when absent. */
  confirmationText: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
});
export type AppOptOut = z.infer<typeof AppOptOutSchema>;

/** `SUPPRESSION_APPS`: app id -> its settings (apps not listed use the defaults). */
export const OptOutAppsSchema = z.record(z.string().check(z.minLength(1)), AppOptOutSchema);
export type OptOutApps = z.infer<typeof OptOutAppsSchema>;

/**
 * Trimmed and case-folded, the way both keywords and texts are compared (NFKC first, so a
 * full-width "ＳＴＯＰ" is "stop" too).
 *
 * @example
 * foldKeyword('  Stop \n'); // 'stop'
 */
export function foldKeyword(text: string): string {
  return text.normalize('NFKC').trim().toLowerCase();
}

export type KeywordMatch = { change: 'added' | 'removed'; keyword: string } | undefined;

/**
 * The keyword matcher of a configuration.
 *
 * @example
 * const match = keywordMatcher({});
 * match('01E', 'SMS', ' Stop '); // { change: 'added', keyword: 'stop' }
 * match('01E', 'SMS', 'stop it'); // undefined
 */
export function keywordMatcher(
  apps: OptOutApps,
): (appId: string, channel: string, text: string) => KeywordMatch {
  const fold = (list: readonly string[]) => new Set(list.map(foldKeyword));
  const defaults = { optOut: fold(DEFAULT_OPT_OUT_KEYWORDS), optIn: fold(DEFAULT_OPT_IN_KEYWORDS) };
  const cache = new Map<string, { optOut: Set<string>; optIn: Set<string> }>();
  const setsFor = (appId: string, channel: string) => {
    const key = `${appId}\u0000${channel}`;
    let sets = cache.get(key);
    if (!sets) {
      const app = apps[appId];
      const byChannel = app?.channels?.[channel];
      const optOut = byChannel?.optOut ?? app?.keywords?.optOut;
      const optIn = byChannel?.optIn ?? app?.keywords?.optIn;
      sets = {
        optOut: optOut ? fold(optOut) : defaults.optOut,
        optIn: optIn ? fold(optIn) : defaults.optIn,
      };
      cache.set(key, sets);
    }
    return sets;
  };
  return (appId, channel, text) => {
    if (text.length > 256) return undefined; // no keyword is that long: skip the folding
    const folded = foldKeyword(text);
    const sets = setsFor(appId, channel);
    // Opt-out wins when a keyword is configured as both: the safe side.
    if (sets.optOut.has(folded)) return { change: 'added', keyword: folded };
    if (sets.optIn.has(folded)) return { change: 'removed', keyword: folded };
    return undefined;
  };
}
