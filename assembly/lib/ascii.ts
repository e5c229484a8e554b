// ASCII-only helpers for protocol text (header names, host names). They avoid the
// standard library's Unicode case tables, which would add kilobytes to every plugin.

/** Lower-cases A-Z; every other character is kept. Returns `s` itself when nothing changes. */
export function asciiLower(s: string): string {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) break;
    i++;
  }
  if (i == n) return s;
  const out = new Array<i32>(n);
  for (let j = 0; j < n; j++) {
    const c = s.charCodeAt(j);
    unchecked(out[j] = c >= 65 && c <= 90 ? c + 32 : c);
  }
  return String.fromCharCodes(out);
}
