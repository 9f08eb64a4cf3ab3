// Typed-error assertions shared by every package's tests.

/** Expects f() to throw an error of `type` whose `argument` is `argument`. */
export function expectArgumentError(f: () => unknown, type: new (...a: never[]) => Error, argument: string): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as { argument?: string }).argument).toBe(argument);
}
