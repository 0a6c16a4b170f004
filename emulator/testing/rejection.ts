/** What a call that must fail threw (a client library's error object), or a test failure when it succeeded. */
export async function rejectionOf<E>(call: Promise<unknown>): Promise<E> {
  try {
    await call;
  } catch (e) {
    return e as E;
  }
  throw new Error("expected the call to fail");
}
