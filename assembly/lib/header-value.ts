// Which header values Envoy takes from a filter. Measured on Envoy 1.40 (test/envoy/header-bytes.test.ts,
// through test/fixtures/sdk-probe mode "raw"): a request header value holding NUL, a C0 control other
// than HTAB (so CR and LF too) or DEL makes the router answer 503
// `filter_removed_required_request_headers{invalid_header_value_for:_<name>}`; SP, HTAB and every byte
// 0x80-0xFF pass, UTF-8 or not, and so does the empty value. Envoy does not check response headers a
// filter writes at all (a CR LF there splits the response), so the SDK applies the rule to every map.

/** False if the bytes [ptr, ptr + len) hold a byte Envoy refuses in a header value. */
export function isAllowedHeaderValue(ptr: usize, len: usize): bool {
  const end = ptr + len;
  for (let p = ptr; p < end; p++) {
    const b = <u32>load<u8>(p);
    if ((b < 0x20 && b != 0x09) || b == 0x7f) return false;
  }
  return true;
}
