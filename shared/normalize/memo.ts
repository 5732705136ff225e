/**
 * Remembers answers for names that repeat endlessly in a feed (operation names, user ids), so the
 * patterns behind them run once per name rather than once per record. Bounded, because the names
 * come from the network: when full, it starts over; long names are not remembered at all.
 * Answers are shared, so callers must not change them.
 */
export function memoize<T>(
  compute: (name: string) => T,
  limit = 4096,
  maxNameLength = 512,
): (name: string) => T {
  const answers = new Map<string, T>();
  return (name) => {
    if (name.length > maxNameLength) return compute(name);
    const known = answers.get(name);
    if (known !== undefined) return known;
    const answer = compute(name);
    if (answers.size >= limit) answers.clear();
    answers.set(name, answer);
    return answer;
  };
}
