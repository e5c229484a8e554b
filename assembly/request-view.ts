// The one view of the current request that plugins and `_rules_` matching read: path, method,
// host, cookie header, client address, route and cluster names and baggage. Each value is read
// from the host at most once per stream and only when something asks for it.
//
// One instance serves every stream of the VM (callbacks never overlap). The dispatcher binds it
// to the stream of each callback (enter), which drops what was cached for another stream: a
// stream paused on an http call and resumed later reads its own values again.

import { HeaderMap, requestHeaders } from "./headers";
import { asciiLower } from "./lib/ascii";
import { stripPort } from "./lib/authority";
import { IpAddress, stripPortFromAddress } from "./lib/cidr";
import { clusterName, getPropertyString, PropertyPath, routeName } from "./properties";

const SOURCE_ADDRESS = new PropertyPath(["source", "address"]);
// Envoy's request.headers attribute joins repeated headers with ",", which
// proxy_get_header_map_value would not (it returns the first instance). Envoy and Higress have had
// it since long before the versions we support, so it is the only read (absent: no baggage).
const BAGGAGE_PROPERTY = new PropertyPath(["request", "headers", "baggage"]);
// Cookies the same way: a client may send several Cookie lines, and a second line's cookies must
// not go unseen (lib/cookie.ts splits pairs on ',' as well as ';').
const COOKIE_PROPERTY = new PropertyPath(["request", "headers", "cookie"]);

// Bits of RequestView.known: which values were read for the bound stream.
const PATH: u32 = 1;
const PATH_ONLY: u32 = 2;
const METHOD: u32 = 4;
const COOKIE: u32 = 8;
const HOST: u32 = 16;
const IP: u32 = 32;
const ADDRESS: u32 = 64;
const ROUTE: u32 = 128;
const CLUSTER: u32 = 256;
const BAGGAGE: u32 = 512;

export class RequestView {
  /** The request headers (readable while the request is being processed). */
  readonly headers: HeaderMap = requestHeaders;
  private streamId: u32 = 0;
  /** Values read for this stream (bits above); the others hold leftovers of earlier streams. */
  private known: u32 = 0;
  private pathValue: string | null = null;
  private pathOnlyValue: string = "";
  private methodValue: string = "";
  private cookie: string | null = null;
  private host: string | null = null;
  private ip: string | null = null;
  private address: IpAddress | null = null;
  private route: string = "";
  private cluster: string = "";
  private service: string | null = null;
  private servicePort: string = "";
  private baggageValue: string | null = null;

  /** Binds the view to stream `id` (the SDK does this before every stream callback). */
  enter(id: u32): void {
    if (id == this.streamId) return;
    this.streamId = id;
    this.known = 0;
  }

  /** Forgets stream `id` when it ends. */
  leave(id: u32): void {
    if (id != this.streamId) return;
    this.streamId = 0;
    this.known = 0;
  }

  /** True the first time `bit` is asked for on this stream (the caller then reads it). */
  private first(bit: u32): bool {
    if (this.known & bit) return false;
    this.known |= bit;
    return true;
  }

  /** `:path` with its query, or null when absent. */
  path(): string | null {
    if (this.first(PATH)) this.pathValue = this.headers.get(":path");
    return this.pathValue;
  }

  /** `:path` without the query ("" when absent). */
  pathOnly(): string {
    if (this.first(PATH_ONLY)) {
      const full = this.path();
      let p = "";
      if (full != null) {
        const q = full.indexOf("?");
        p = q < 0 ? full : full.substring(0, q);
      }
      this.pathOnlyValue = p;
    }
    return this.pathOnlyValue;
  }

  /** `:method` ("" when absent). */
  method(): string {
    if (this.first(METHOD)) {
      const m = this.headers.get(":method");
      this.methodValue = m == null ? "" : m;
    }
    return this.methodValue;
  }

  /** Every Cookie header of the request joined with ",", or null (lib/cookie.ts reads both separators). */
  cookieHeader(): string | null {
    if (this.first(COOKIE)) this.cookie = getPropertyString(COOKIE_PROPERTY);
    return this.cookie;
  }

  /** Replaces every Cookie header with `value` (null removes them); later cookieHeader() calls see it. */
  setCookieHeader(value: string | null): bool {
    const ok = value == null ? this.headers.remove("cookie") : this.headers.set("cookie", value);
    if (!ok) return false;
    this.known |= COOKIE;
    this.cookie = value;
    return true;
  }

  /** `:authority` without port, lower-cased, or null when absent. */
  hostName(): string | null {
    if (this.first(HOST)) {
      const authority = this.headers.get(":authority");
      this.host = authority == null ? null : asciiLower(stripPort(authority));
    }
    return this.host;
  }

  /** Downstream client address without port (Envoy's source.address, after XFF handling if configured). */
  clientIp(): string | null {
    if (this.first(IP)) {
      const a = getPropertyString(SOURCE_ADDRESS);
      this.ip = a == null ? null : stripPortFromAddress(a);
    }
    return this.ip;
  }

  /** clientIp() parsed; null when absent or not an IP address (e.g. a unix socket). */
  clientAddress(): IpAddress | null {
    if (this.first(ADDRESS)) {
      const a = this.clientIp();
      this.address = a == null ? null : IpAddress.parse(a);
    }
    return this.address;
  }

  /** Name of the selected route ("" when none): `xds.route_name`, else Higress's legacy `route_name`. */
  routeName(): string {
    if (this.first(ROUTE)) this.route = routeName();
    return this.route;
  }

  /** Name of the selected route's upstream cluster ("" when none), same fallback as routeName. */
  clusterName(): string {
    if (this.first(CLUSTER)) {
      const c = clusterName();
      this.cluster = c;
      this.service = null;
      this.servicePort = "";
      // Istio/Higress names: outbound|<port>|<subset>|<fqdn>, exactly three '|'.
      const first = c.indexOf("|");
      const second = first < 0 ? -1 : c.indexOf("|", first + 1);
      const third = second < 0 ? -1 : c.indexOf("|", second + 1);
      if (third >= 0 && c.indexOf("|", third + 1) < 0) {
        this.servicePort = c.substring(first + 1, second);
        this.service = c.substring(third + 1);
      }
    }
    return this.cluster;
  }

  /** For Istio/Higress cluster names `outbound|<port>|<subset>|<fqdn>`: the fqdn; null otherwise. */
  serviceFqdn(): string | null {
    this.clusterName();
    return this.service;
  }

  /** The port of such a cluster name ("" otherwise). */
  servicePortText(): string {
    this.clusterName();
    return this.servicePort;
  }

  /** Every `baggage` header of the request joined with ",", or null when there is none. */
  baggage(): string | null {
    if (this.first(BAGGAGE)) this.baggageValue = getPropertyString(BAGGAGE_PROPERTY);
    return this.baggageValue;
  }

  /**
   * Writes the request's baggage (null removes it); later baggage() calls see the new value. False
   * when the host refused it (or the SDK did: a value Envoy would refuse), and nothing changed.
   */
  setBaggage(value: string | null): bool {
    const ok = value == null ? this.headers.remove("baggage") : this.headers.set("baggage", value);
    if (!ok) return false;
    this.known |= BAGGAGE;
    this.baggageValue = value;
    return true;
  }
}

/** The view every filter reads as `this.request`. */
export const requestView = new RequestView();
