/**
 * Waits for a condition the system brings about on its own (the worker runs in the background):
 * short polls, bounded, and a timeout error that says what did not happen. No timer of the
 * product is slept on; tests move the injectable clock for that.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
