/**
 * Asserts that every fragment occurs in `text`, in the given order. `indexOf(a) < indexOf(b)`
 * alone passes when `a` is missing (-1 is "before" everything): #32 found a test whose notes
 * could be deleted from the comment without it failing.
 */
export function expectInOrder(text: string, fragments: readonly string[]): void {
  expect({ missing: fragments.filter((f) => !text.includes(f)) }).toEqual({ missing: [] });
  const positions = fragments.map((f) => ({ fragment: f, at: text.indexOf(f) }));
  const sorted = [...positions].sort((a, b) => a.at - b.at);
  expect(positions.map((p) => p.fragment)).toEqual(sorted.map((p) => p.fragment));
}
