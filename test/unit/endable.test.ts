import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { endable } from '../../src/http/key-revocations.js';

// The stream a revocation can cut short (every subscription goes through it): values pass through,
// `end` settles a pending `next` at once, `finished` runs once, and nothing delivered is kept.

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** A source whose `next` waits until the test releases a value. */
function manualSource<T>() {
  const waiting: Array<(result: IteratorResult<T>) => void> = [];
  let returned = 0;
  const iterable: AsyncIterable<T> = {
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<T>>((resolve) => waiting.push(resolve)),
      return: async () => {
        returned += 1;
        for (const resolve of waiting.splice(0)) resolve({ done: true, value: undefined });
        return { done: true, value: undefined };
      },
    }),
  };
  return {
    iterable,
    release: (value: T) => waiting.shift()?.({ done: false, value }),
    returned: () => returned,
  };
}

describe('endable', () => {
  it('passes values through, and end() settles a pending next as done, once', async () => {
    const source = manualSource<number>();
    let finished = 0;
    const { stream, end } = endable(source.iterable, () => {
      finished += 1;
    });
    const first = stream.next();
    source.release(1);
    expect(await first).toEqual({ done: false, value: 1 });
    const pending = stream.next();
    end();
    end();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(finished).toBe(1);
    expect(source.returned()).toBe(1);
  });

  it('ends when the source fails, with its error', async () => {
    let finished = 0;
    const failing: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('feed closed')) }),
    };
    const { stream } = endable(failing, () => {
      finished += 1;
    });
    await expect(stream.next()).rejects.toThrow('feed closed');
    expect(finished).toBe(1);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('keeps nothing it delivered while the stream stays open', async () => {
    const source = manualSource<{ payload: Uint8Array }>();
    const { stream, end } = endable(source.iterable, () => {});
    // In a frame of its own, so the test's stack holds none of the values once it returns.
    const consume = async () => {
      const delivered: Array<WeakRef<object>> = [];
      for (let i = 0; i < 50; i += 1) {
        const next = stream.next();
        source.release({ payload: new Uint8Array(64 * 1024) });
        const result = await next;
        if (!result.done) delivered.push(new WeakRef(result.value));
      }
      return delivered;
    };
    const delivered = await consume();
    for (let round = 0; round < 2; round += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(delivered.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    end();
  });
});
