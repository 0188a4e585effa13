import { setValues, type SlotCheckKind } from './slot-check.js';

// An L3/L4 flow carries no L7 layer, and the DNS and HTTP filters match no flow without one.
export const l7SlotCheck: SlotCheckKind = (filter) => {
  const fields = [filter.dns_query, filter.http_status_code, filter.http_method, filter.http_path, filter.http_url, filter.http_header];
  return fields.some((values) => setValues<unknown>(values) !== undefined) ? () => false : undefined;
};
