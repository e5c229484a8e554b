// Raw HTTP/1.1 over keep-alive connections, for load: the soak (scripts/bench/soak.ts) and the
// hostile-input tests send header values as bytes (node:http refuses what is not text) and many
// requests per connection (rawRequest in envoy.ts opens one connection per request).
//
//   const conn = await KeepAliveConnection.open(port);
//   const res = await conn.send(httpRequest("GET", "/", [["x-api-key", Buffer.from([0xff])]]));
//   conn.close();
//
// One request at a time per connection (no pipelining). A response with `connection: close`, or one
// Envoy ends by closing (its 400 for a request its codec refuses), closes the connection: `closed`
// is then true and the next send() fails; KeepAlivePool reopens it.
import { connect, type Socket } from "node:net";

export type HeaderValue = string | Uint8Array;

/** The bytes of one HTTP/1.1 request; `host: localhost` unless a host header is given. */
export function httpRequest(method: string, path: string | Uint8Array, headers: Array<[string, HeaderValue]>, body?: HeaderValue): Buffer {
  const parts: Buffer[] = [Buffer.from(`${method} `), Buffer.from(path), Buffer.from(" HTTP/1.1\r\n")];
  if (!headers.some(([k]) => k.toLowerCase() === "host")) parts.push(Buffer.from("host: localhost\r\n"));
  for (const [k, v] of headers) parts.push(Buffer.from(`${k}: `), Buffer.from(v), Buffer.from("\r\n"));
  const b = body === undefined ? undefined : Buffer.from(body);
  if (b && !headers.some(([k]) => k.toLowerCase() === "content-length")) parts.push(Buffer.from(`content-length: ${b.length}\r\n`));
  parts.push(Buffer.from("\r\n"));
  if (b) parts.push(b);
  return Buffer.concat(parts);
}

export interface KeepAliveResponse {
  status: number;
  /** header lines in order, names lower-cased, values latin1 (one char per byte) */
  headers: Array<[string, string]>;
  body: Buffer;
  header(name: string): string | undefined;
}

export class KeepAliveConnection {
  private buf: Buffer = Buffer.alloc(0);
  private pending: { ok: (r: KeepAliveResponse) => void; fail: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private ended = false;
  closed = false;
  /** requests answered on this connection */
  answered = 0;

  private constructor(private readonly socket: Socket, private readonly timeoutMs: number) {
    socket.setNoDelay(true);
    socket.on("data", (c: Buffer) => {
      this.buf = this.buf.length === 0 ? c : Buffer.concat([this.buf, c]);
      this.tryParse();
    });
    socket.on("end", () => {
      this.ended = true;
      this.tryParse();
      this.markClosed(new Error("connection closed by the server before a complete response"));
    });
    socket.on("close", () => this.markClosed(new Error("connection closed")));
    socket.on("error", (e) => this.markClosed(e));
  }

  static open(port: number, host = "127.0.0.1", timeoutMs = 10_000): Promise<KeepAliveConnection> {
    return new Promise((ok, fail) => {
      const socket = connect(port, host);
      socket.once("connect", () => {
        socket.removeListener("error", fail);
        ok(new KeepAliveConnection(socket, timeoutMs));
      });
      socket.once("error", fail);
    });
  }

  send(request: Buffer): Promise<KeepAliveResponse> {
    if (this.closed) return Promise.reject(new Error("connection is closed"));
    if (this.pending) return Promise.reject(new Error("a request is already in flight on this connection"));
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.close();
        fail(new Error(`no response within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending = { ok, fail, timer };
      this.socket.write(request);
    });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private markClosed(e: Error) {
    this.closed = true;
    const p = this.pending;
    if (p) {
      this.pending = undefined;
      clearTimeout(p.timer);
      p.fail(e);
    }
  }

  private tryParse() {
    const p = this.pending;
    if (!p) return;
    const end = this.buf.indexOf("\r\n\r\n");
    if (end < 0) return;
    const [statusLine, ...lines] = this.buf.subarray(0, end).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1] ?? 0);
    const headers = lines.map((l): [string, string] => {
      const i = l.indexOf(":");
      return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()];
    });
    const header = (name: string) => headers.find(([k]) => k === name)?.[1];
    let rest = this.buf.subarray(end + 4);
    let body: Buffer;
    let used: number;
    const length = header("content-length");
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = Buffer.alloc(0);
      used = 0;
    } else if (length !== undefined) {
      const n = Number(length);
      if (rest.length < n) return;
      body = rest.subarray(0, n);
      used = n;
    } else if (/chunked/i.test(header("transfer-encoding") ?? "")) {
      const chunks: Buffer[] = [];
      let at = 0;
      for (;;) {
        const eol = rest.indexOf("\r\n", at);
        if (eol < 0) return;
        const size = parseInt(rest.subarray(at, eol).toString("latin1"), 16);
        if (size === 0) {
          const trailerEnd = rest.indexOf("\r\n\r\n", eol); // no trailers: eol itself
          if (trailerEnd < 0) return;
          used = trailerEnd + 4;
          break;
        }
        if (rest.length < eol + 2 + size + 2) return;
        chunks.push(rest.subarray(eol + 2, eol + 2 + size));
        at = eol + 2 + size + 2;
      }
      body = Buffer.concat(chunks);
    } else {
      // Until the server closes the connection.
      if (!this.ended) return;
      body = rest;
      used = rest.length;
    }
    rest = rest.subarray(used);
    this.buf = Buffer.from(rest);
    this.pending = undefined;
    clearTimeout(p.timer);
    this.answered++;
    if (/close/i.test(header("connection") ?? "") || this.ended) this.close();
    p.ok({ status, headers, body, header });
  }
}

/**
 * `connections` keep-alive connections, each sending the requests `next()` returns one after the
 * other until it returns undefined; a connection the server closed is replaced. Resolves when
 * every connection has stopped. `onResponse` sees each answer, `onError` each request without one.
 */
export async function runKeepAlive<T>(opts: {
  port: number;
  connections: number;
  next: () => { bytes: Buffer; tag: T } | undefined;
  onResponse: (res: KeepAliveResponse, tag: T) => void;
  onError?: (e: Error, tag: T) => void;
  timeoutMs?: number;
}): Promise<void> {
  const worker = async () => {
    let conn: KeepAliveConnection | undefined;
    try {
      for (let r = opts.next(); r !== undefined; r = opts.next()) {
        if (!conn || conn.closed) conn = await KeepAliveConnection.open(opts.port, "127.0.0.1", opts.timeoutMs);
        try {
          opts.onResponse(await conn.send(r.bytes), r.tag);
        } catch (e) {
          if (!opts.onError) throw e;
          opts.onError(e as Error, r.tag);
        }
      }
    } finally {
      conn?.close();
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
}
