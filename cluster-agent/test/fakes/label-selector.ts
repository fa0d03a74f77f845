/** The equality-based label selectors the agent sends (`a=b,c!=d,e`), for the in-memory fake. */
export function matchesSelector(labels: Readonly<Record<string, string>>, selector: string): boolean {
  return selector
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .every((part) => {
      const notEqual = part.split('!=');
      if (notEqual.length === 2) {
        return labels[notEqual[0] ?? ''] !== notEqual[1];
      }
      const equal = part.split(/==?/);
      if (equal.length === 2) {
        return labels[equal[0] ?? ''] === equal[1];
      }
      return part.startsWith('!') ? labels[part.slice(1)] === undefined : labels[part] !== undefined;
    });
}
