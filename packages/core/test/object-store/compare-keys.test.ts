/**
 * compareKeys (list-keys.ts) is UTF-8 byte order — S3's listing order — also on its fast path that
 * compares surrogate-free strings directly. Checked against Buffer.compare of the UTF-8 bytes on
 * every pair of keys mixing ASCII, Latin-1, the BMP above the surrogates (U+E000–U+FFFF, where
 * UTF-16 and UTF-8 order differ from astral characters) and astral characters.
 */
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../src/object-store/list-keys.ts';

const KEYS = ['', 'a', 'a/', 'a/b', 'a/b/00000000000000000001.rec', 'a/b/00000000000000000010.rec', 'A', 'z', '~', 'é', 'ée', '\u00ff', '\u0800', '\uE000', '\uFFFD', '\uFFFF', '😀', '😀a', 'a😀', 'a\uFFFF', 'a\uE000b', '\u{10FFFF}', 'k/😀/x', 'k/\uFFFF/x'];

describe('compareKeys', () => {
  it('orders every pair exactly as their UTF-8 bytes', () => {
    for (const a of KEYS) {
      for (const b of KEYS) {
        const bytes = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        expect([a, b, Math.sign(compareKeys(a, b))]).toEqual([a, b, bytes]);
      }
    }
  });
});
