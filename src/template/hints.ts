// Did-you-mean hints for unknown names, keys, filters and templates.
import { distance } from "fastest-levenshtein";

/** The nearest candidate within a small edit distance, for did-you-mean hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}
