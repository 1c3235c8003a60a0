/**
 * One lock per key (a stream, a delivery stream, an application): `run(key, fn)`
 * starts `fn` once every earlier run for that key has settled, so control-plane
 * changes to one resource never interleave while different resources proceed
 * in parallel. A failed run rejects its own caller only; the next run starts
 * all the same. Keys without a queued run hold no memory.
 */
export class KeyedMutex<K = string> {
  /** Per key: settles (never rejects) when the last queued run has. */
  private readonly tails = new Map<K, Promise<void>>();

  /** Runs `fn` after the runs queued before it for `key`; always asynchronously, even when none is queued. */
  run<T>(key: K, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(() => fn());
    const tail = result.then(noop, noop);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Whether a run for `key` is queued or in progress. */
  isHeld(key: K): boolean {
    return this.tails.has(key);
  }

  /** Keys with a run queued or in progress. */
  get size(): number {
    return this.tails.size;
  }

  /** Resolves once every run queued so far has settled (whatever its outcome). */
  async idle(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}

function noop(): void {}
