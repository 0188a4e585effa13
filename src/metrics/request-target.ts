// The path of an HTTP request target, read without ever throwing: the metrics and health
// servers face any client that can reach their port, and the target is whatever it sent.

/** The longest request target answered; a longer one is 414 (the whole header block is limited too). */
export const MAX_REQUEST_TARGET_LENGTH = 2_048;

export type RequestTarget = { path: string } | { status: 400 | 414; reason: string };

// RFC 9112 section 3.2.2: scheme "://" authority, then the path, query and fragment.
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)(.*)$/s;
// userinfo@, then a bracketed IP literal or a name without brackets, then :port.
const AUTHORITY = /^(?:[^@[\]]*@)?(?:\[[0-9A-Fa-f:.]+\]|[^@[\]:]*)(?::[0-9]*)?$/;

/**
 * The path of a request target without query or fragment, for the origin form (`/metrics?x`),
 * the absolute form (`http://host/metrics`, which a server must accept) and the asterisk form
 * (`*`, path `*`). Anything else, an unreadable authority included, is 400; an overlong target 414.
 */
export function requestPath(target: string | undefined): RequestTarget {
  if (target === undefined || target === '') return { status: 400, reason: 'empty request target' };
  if (target.length > MAX_REQUEST_TARGET_LENGTH) {
    return { status: 414, reason: `request target longer than ${MAX_REQUEST_TARGET_LENGTH} characters` };
  }
  if (target === '*') return { path: '*' };
  let rest = target;
  if (!target.startsWith('/')) {
    const absolute = ABSOLUTE_FORM.exec(target);
    if (!absolute) return { status: 400, reason: 'request target is neither a path nor an absolute URL' };
    if (!AUTHORITY.test(absolute[1]!)) return { status: 400, reason: 'request target has an unreadable host' };
    rest = absolute[2]!;
  }
  const end = rest.search(/[?#]/);
  const path = end === -1 ? rest : rest.slice(0, end);
  return { path: path === '' ? '/' : path };
}
