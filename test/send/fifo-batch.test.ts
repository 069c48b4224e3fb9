import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FifoRecord, processFifoBatch } from '../../functions/send/fifo-batch';
import { createRateLimiter } from '../../functions/send/rate-limiter';

const record = (messageId: string, group?: string): FifoRecord => ({
  messageId,
  attributes: group === undefined ? {} : { MessageGroupId: group },
});

describe('FIFO batch processing', () => {
  it('keeps order within each group, skips the rest of a group after a failure, and lists results in batch order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.boolean()), { minLength: 1, maxLength: 10 }),
        async (spec) => {
          const records = spec.map(([group], i) => record(`m${i}`, group));
          const failing = new Set(spec.flatMap(([, fails], i) => (fails ? [`m${i}`] : [])));
          const handled: string[] = [];
          const results = await processFifoBatch(records, async (r) => {
            handled.push(r.messageId);
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
            return failing.has(r.messageId) ? { ok: false, retryInSeconds: 7 } : { ok: true };
          });
          expect(results.map((r) => r.record.messageId)).toEqual(records.map((r) => r.messageId));
          for (const group of ['a', 'b', 'c']) {
            const inGroup = records
              .filter((r) => r.attributes.MessageGroupId === group)
              .map((r) => r.messageId);
            const firstFailure = inGroup.findIndex((id) => failing.has(id));
            const expectedHandled = firstFailure === -1 ? inGroup : inGroup.slice(0, firstFailure + 1);
            expect(handled.filter((id) => inGroup.includes(id))).toEqual(expectedHandled);
            for (const id of inGroup.slice(firstFailure === -1 ? inGroup.length : firstFailure + 1)) {
              expect(results.find((r) => r.record.messageId === id)).toMatchObject({
                status: 'skipped',
                blockedBy: inGroup[firstFailure],
                retryInSeconds: 7,
              });
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('runs different groups concurrently and counts a throwing handler as a failure', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const records = ['a', 'b', 'c', 'd'].map((g, i) => record(`m${i}`, g));
    const results = await processFifoBatch([...records, record('lonely')], async (r) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      if (r.messageId === 'lonely') throw new Error('boom');
      return { ok: true };
    });
    expect(maxInFlight).toBe(5);
    expect(results.at(-1)).toMatchObject({ status: 'failed' });
  });
});

describe('per-app rate limiter', () => {
  it('spaces starts per app at the configured rate, with bursts, and keeps apps apart', async () => {
    const clock = { now: 0 };
    const waits: Array<[string, number]> = [];
    const limiter = createRateLimiter({
      perSecond: 4,
      burst: 2,
      now: () => clock.now,
      sleep: async (ms) => {
        waits.push(['', ms]);
      },
    });
    for (let i = 0; i < 5; i++) await limiter.acquire('app-1');
    await limiter.acquire('app-2');
    // burst of 2 free, then one every 250 ms
    expect(waits.map(([, ms]) => ms)).toEqual([250, 500, 750]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => createRateLimiter({ perSecond: 0 })).toThrow(/positive/);
  });
});
