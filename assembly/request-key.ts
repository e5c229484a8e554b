// Where a per-request value a rule names comes from (a rate-limit key, a descriptor entry):
// {"header": name} | {"param": name} | {"cookie": name} | {"consumer": true} | {"client_ip": true} | {"path": true}.
// Values are read lazily through the request view; an empty value counts as absent.

import { ConfigObject } from "./config";
import { findCookie } from "./lib/cookie";
import { findQueryParam, findRawQueryParam } from "./lib/query";
import { RequestView } from "./request-view";

/** RawParam: the first parameter whose raw name matches, its value not decoded (Higress's parseQueryString). */
export enum KeySource { None, Header, Param, Cookie, Consumer, ClientIp, Path, RawParam }

/** KEY_SOURCE_FIELDS[i] names KeySource i + 1. */
export const KEY_SOURCE_FIELDS = ["header", "param", "cookie", "consumer", "client_ip", "path"];

/** The header jwt-auth (and Higress's authentication plugins) put the verified consumer name in. */
export const CONSUMER_HEADER = "x-mse-consumer";

export class RequestKey {
  source: KeySource = KeySource.None;
  /** Header, parameter or cookie name. */
  name: string = "";

  constructor(source: KeySource = KeySource.None, name: string = "") {
    this.source = source;
    this.name = name;
  }

  /** The value in this request, or null when it does not carry one (or it is empty). */
  valueOf(req: RequestView): string | null {
    let v: string | null = null;
    switch (this.source) {
      case KeySource.Header:
      case KeySource.Consumer:
        v = req.headers.get(this.name);
        break;
      case KeySource.Param:
        v = findQueryParam(fullPath(req), this.name);
        break;
      case KeySource.RawParam:
        v = findRawQueryParam(fullPath(req), this.name);
        break;
      case KeySource.Cookie: {
        const header = req.cookieHeader();
        if (header != null) v = findCookie(header, this.name);
        break;
      }
      case KeySource.ClientIp:
        v = req.clientIp();
        break;
      case KeySource.Path:
        v = req.pathOnly();
        break;
      default:
        return null;
    }
    if (v == null || v.length == 0) return null;
    return v;
  }

  /** Chosen freely by the client (not the client's address, not a verified consumer). */
  get clientChosen(): bool {
    const s = this.source;
    return s != KeySource.None && s != KeySource.ClientIp && s != KeySource.Consumer;
  }

  /** "header x-api-key", "client address", ... for messages. */
  describe(): string {
    switch (this.source) {
      case KeySource.Header: return "header " + this.name;
      case KeySource.Cookie: return "cookie " + this.name;
      case KeySource.Param:
      case KeySource.RawParam: return "query parameter " + this.name;
      case KeySource.Consumer: return "consumer";
      case KeySource.ClientIp: return "client address";
      case KeySource.Path: return "path";
      default: return "none";
    }
  }

  /** Reads KEY_SOURCE_FIELDS[index] of `k` (the field the caller found set): a name, or `true`. */
  static read(k: ConfigObject, index: i32): RequestKey {
    const field = unchecked(KEY_SOURCE_FIELDS[index]);
    const key = new RequestKey(<KeySource>(index + 1));
    if (key.source == KeySource.Header) {
      key.name = k.headerName(field, null, true);
    } else if (key.source == KeySource.Param || key.source == KeySource.Cookie) {
      key.name = k.requiredString(field);
    } else {
      if (!k.bool(field, false)) k.error(field, "must be true");
      if (key.source == KeySource.Consumer) key.name = CONSUMER_HEADER;
    }
    return key;
  }
}

function fullPath(req: RequestView): string {
  const p = req.path();
  return p == null ? "" : p;
}
