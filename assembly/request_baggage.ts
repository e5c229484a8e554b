// The request's W3C `baggage` as one list. Envoy's request.headers attribute joins repeated
// headers with ",", which proxy_get_header_map_value would not (it returns the first instance).

import { HeaderMap } from "./headers";
import { getPropertyString, PropertyPath } from "./properties";

const BAGGAGE_PROPERTY = new PropertyPath(["request", "headers", "baggage"]);

/** Every `baggage` header of the request joined with ",", or null when there is none. */
export function readRequestBaggage(headers: HeaderMap): string | null {
  const joined = getPropertyString(BAGGAGE_PROPERTY);
  return joined != null ? joined : headers.get("baggage"); // hosts without the attribute
}
