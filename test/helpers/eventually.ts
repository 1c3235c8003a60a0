/**
 * Retries `check` until it resolves (every `pollMs`), or rethrows its last failure after `timeoutMs` with `what` in
 * front: the waits of the two-node tests, which poll other nodes for state that arrives asynchronously.
 */
export async function eventually<T>(check: () => Promise<T>, what: string, timeoutMs = 15_000, pollMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
