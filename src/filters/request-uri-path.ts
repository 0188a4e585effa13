// The path that upstream Hubble matches `http_path` patterns against: the Path of Go's
// url.ParseRequestURI(flow.l7.http.url). It is percent-decoded, stops at the query, keeps
// `..` segments as sent, is empty for an opaque URI (`host:443`), and there is none (no
// match) for a URL Go refuses: a control character, a relative reference, a bad `%` escape,
// a bad port or an unclosed IPv6 bracket in the authority.

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const CONTROL = /[\x00-\x1f\x7f]/;
const PORT = /^:[0-9]*$/;
const utf8 = new TextDecoder();

function validAuthority(authority: string): boolean {
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    return close !== -1 && (close === host.length - 1 || PORT.test(host.slice(close + 1)));
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 || PORT.test(host.slice(colon));
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

// Go's unescape in path mode: every `%` starts two hex digits; the bytes are then text
// (invalid UTF-8 reads as U+FFFD, as Go's regexp reads it).
function percentDecoded(text: string): string | undefined {
  if (!text.includes('%')) return text;
  const encoded = Buffer.from(text, 'utf8');
  const decoded = new Uint8Array(encoded.length);
  let length = 0;
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] !== 0x25) {
      decoded[length++] = encoded[i]!;
      continue;
    }
    const high = hexValue(encoded[i + 1] ?? 0);
    const low = hexValue(encoded[i + 2] ?? 0);
    if (high < 0 || low < 0) return undefined;
    decoded[length++] = high * 16 + low;
    i += 2;
  }
  return utf8.decode(decoded.subarray(0, length));
}

/** The path of an HTTP flow's URL as Go's url.ParseRequestURI reads it, or undefined where Go refuses the URL. */
export function requestUriPath(url: string): string | undefined {
  if (url === '*') return url;
  if (CONTROL.test(url) || url.startsWith(':')) return undefined;
  const scheme = SCHEME.exec(url)?.[0];
  let rest = url.slice(scheme?.length ?? 0);
  const query = rest.indexOf('?');
  if (query !== -1) rest = rest.slice(0, query);
  if (!rest.startsWith('/')) return scheme === undefined ? undefined : '';
  if (scheme !== undefined && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
    if (!validAuthority(authority)) return undefined;
    rest = slash === -1 ? '' : rest.slice(slash);
  }
  return percentDecoded(rest);
}
