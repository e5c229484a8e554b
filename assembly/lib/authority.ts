// The host part of an HTTP authority (`:authority`, `Host`).

/** "example.com:8080" => "example.com"; "[::1]:80" => "[::1]" (brackets kept: it is a host name here). */
export function stripPort(authority: string): string {
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    return close < 0 ? authority : authority.substring(0, close + 1);
  }
  const colon = authority.lastIndexOf(":");
  return colon < 0 ? authority : authority.substring(0, colon);
}
