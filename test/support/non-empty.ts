/**
 * `items`, or a thrown error when there are none. A check "for every stack / tenant / resource"
 * over an empty list passes whatever the code does: #32 found 27 of 28 tenant-isolation tests and
 * all cost-attribution tests passing on a fleet without tenants. Wrap the list a loop or an
 * `every`/`filter` check runs over, so the test fails when it would check nothing.
 */
export function nonEmpty<T>(items: readonly T[], what: string): T[] {
  if (items.length === 0) throw new Error(`no ${what} to check: a test over nothing passes whatever the code does`);
  return [...items];
}
