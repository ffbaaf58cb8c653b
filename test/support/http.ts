/** The body of a response that must have this status; otherwise an error that shows what came back. */
export function expectStatus<T = any>(res: { status: number; body: any }, status = 200): T {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as T;
}
