/**
 * Key globs of ingest rules: `*` matches within one path segment, `**` any number of segments
 * (`a/**\/b` also matches `a/b`), `?` one character, `{x,y}` alternatives; everything else is
 * literal. Compiled to an anchored RegExp. `globLiteralPrefix` is the list prefix a scan starts from.
 */
const SPECIAL = /[*?{]/;

export function globLiteralPrefix(glob: string): string {
  const i = glob.search(SPECIAL);
  const literal = i < 0 ? glob : glob.slice(0, i);
  return i < 0 ? literal : literal.slice(0, literal.lastIndexOf('/') + 1);
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += `(?:${glob.slice(i + 1, close).split(',').map(escape).join('|')})`;
        i = close;
      }
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}

/** Whether `key` matches any of `globs`. */
export function matchesAnyGlob(key: string, globs: readonly RegExp[]): boolean {
  return globs.some((g) => g.test(key));
}
