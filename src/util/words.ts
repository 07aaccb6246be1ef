// Counted nouns for messages: `1 path`, `2 paths`, `0 paths`.
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
