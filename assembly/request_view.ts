// Request attributes plugins commonly need (path, method, cookie header, host name, client
// address), each read from the host at most once per request and only when something asks.
// One instance serves every request: callbacks never overlap within a VM.

import { HeaderMap, requestHeaders } from "./headers";
import { asciiLower } from "./lib/ascii";
import { IpAddress, stripPortFromAddress } from "./lib/cidr";
import { getPropertyString, PropertyPath } from "./properties";
import { stripPort } from "./rules";

const SOURCE_ADDRESS = new PropertyPath(["source", "address"]);

export class RequestView {
  headers: HeaderMap = requestHeaders;
  private pathValue: string | null = null;
  private pathRead: bool = false;
  private pathOnlyValue: string | null = null;
  private methodValue: string | null = null;
  private cookie: string | null = null;
  private cookieRead: bool = false;
  private host: string | null = null;
  private hostRead: bool = false;
  private ip: string | null = null;
  private ipRead: bool = false;
  private address: IpAddress | null = null;
  private addressParsed: bool = false;

  reset(headers: HeaderMap): RequestView {
    this.headers = headers;
    this.pathValue = null;
    this.pathRead = false;
    this.pathOnlyValue = null;
    this.methodValue = null;
    this.cookie = null;
    this.cookieRead = false;
    this.host = null;
    this.hostRead = false;
    this.ip = null;
    this.ipRead = false;
    this.address = null;
    this.addressParsed = false;
    return this;
  }

  /** `:path` with its query, or null when absent. */
  path(): string | null {
    if (!this.pathRead) {
      this.pathRead = true;
      this.pathValue = this.headers.get(":path");
    }
    return this.pathValue;
  }

  /** `:path` without the query ("" when absent). */
  pathOnly(): string {
    const known = this.pathOnlyValue;
    if (known != null) return known;
    const full = this.path();
    let p = "";
    if (full != null) {
      const q = full.indexOf("?");
      p = q < 0 ? full : full.substring(0, q);
    }
    this.pathOnlyValue = p;
    return p;
  }

  /** `:method` ("" when absent). */
  method(): string {
    let m = this.methodValue;
    if (m == null) {
      m = this.headers.get(":method");
      if (m == null) m = "";
      this.methodValue = m;
    }
    return m;
  }

  /** The Cookie header (Envoy joins repeated ones with "; "), or null. */
  cookieHeader(): string | null {
    if (!this.cookieRead) {
      this.cookieRead = true;
      this.cookie = this.headers.get("cookie");
    }
    return this.cookie;
  }

  /** `:authority` without port, lower-cased, or null when absent. */
  hostName(): string | null {
    if (!this.hostRead) {
      this.hostRead = true;
      const authority = this.headers.get(":authority");
      this.host = authority == null ? null : asciiLower(stripPort(authority));
    }
    return this.host;
  }

  /** Downstream client address without port (Envoy's source.address, after XFF handling if configured). */
  clientIp(): string | null {
    if (!this.ipRead) {
      this.ipRead = true;
      const a = getPropertyString(SOURCE_ADDRESS);
      this.ip = a == null ? null : stripPortFromAddress(a);
    }
    return this.ip;
  }

  /** clientIp() parsed; null when absent or not an IP address (e.g. a unix socket). */
  clientAddress(): IpAddress | null {
    if (!this.addressParsed) {
      this.addressParsed = true;
      const a = this.clientIp();
      this.address = a == null ? null : IpAddress.parse(a);
    }
    return this.address;
  }
}

const shared = new RequestView();

/** The view of the request being processed, reset for `headers`: call once per request. */
export function viewRequest(headers: HeaderMap): RequestView {
  return shared.reset(headers);
}

/** The view last reset by viewRequest (for helpers deeper in the same callback). */
export function currentRequest(): RequestView {
  return shared;
}
