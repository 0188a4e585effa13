import type { Flow, HTTP } from '../proto/flow.js';
import { badFilter } from './bad-request.js';
import { allOf, anyOf, type FilterKind, type FlowPredicate } from './flow-predicate.js';
import type { PatternCompiler } from './regex.js';
import { requestUriPath } from './request-uri-path.js';

function http(flow: Flow): HTTP | undefined {
  return flow.l7?.http;
}

// `404` matches exactly; `4+` or `40+` matches every code starting with those digits.
function statusCodePredicate(values: string[] | undefined): FlowPredicate | undefined {
  const prefixes = values?.map((value) => {
    const match = /^([1-5][0-9]{2})$|^([1-5][0-9]?)\+$/.exec(value);
    if (match === null) throw badFilter('http_status_code', value, 'a code like "404" or a prefix like "4+" or "40+"');
    return match[1] ?? match[2] ?? '';
  });
  return anyOf(prefixes, (prefix, flow) => {
    const code = http(flow)?.code ?? 0;
    return code !== 0 && String(code).startsWith(prefix);
  });
}

// As upstream, a flow without a URL matches no URL or path pattern; patterns are unanchored.
function urlPredicate(
  field: string,
  values: string[] | undefined,
  pick: (url: string) => string | undefined,
  compiler: PatternCompiler,
): FlowPredicate | undefined {
  const patterns = values?.map((v) => compiler.regex(field, v));
  return anyOf(patterns, (pattern, flow) => {
    const url = http(flow)?.url ?? '';
    const text = url === '' ? undefined : pick(url);
    return text !== undefined && pattern.test(text);
  });
}

export const httpFilter: FilterKind = (filter, patterns) =>
  allOf([
    statusCodePredicate(filter.http_status_code),
    anyOf(filter.http_method, (method, flow) => (http(flow)?.method ?? '').toUpperCase() === method.toUpperCase() && method !== ''),
    urlPredicate('http_path', filter.http_path, requestUriPath, patterns),
    urlPredicate('http_url', filter.http_url, (url) => url, patterns),
    anyOf(filter.http_header, (wanted, flow) =>
      (http(flow)?.headers ?? []).some(
        (h) => (h.key ?? '').toLowerCase() === (wanted.key ?? '').toLowerCase() && (h.value ?? '') === (wanted.value ?? ''),
      ),
    ),
  ]);
