// A tiny gRPC server (HTTP/2 cleartext, node:http2, no dependencies) for the gRPC callout tests
// (test/envoy/grpc-call.test.ts). Messages are opaque bytes: it never decodes protobuf.
//
// What it answers is chosen per call by the request metadata the plugin sends:
//   x-mode     ok (default)   headers (x-init: i1), one message, trailers grpc-status 0 (x-trail: t1)
//              status         headers, [one message when x-body is 1], trailers grpc-status x-status
//                             (default 8) and grpc-message x-message (default "slow down")
//              trailers-only  one HEADERS frame with :status 200, grpc-status x-status, grpc-message x-message
//              empty          headers, trailers grpc-status 0, no message
//              two            headers, messages "first" and "second", trailers grpc-status 0
//              http           :status x-http-status (default 503), no gRPC status at all, body "nope"
//              reset          RST_STREAM (INTERNAL_ERROR) without answering
//              stream         headers at once, every message echoed as it arrives ("echo:" + message),
//                             trailers grpc-status 0 when the client half-closes
//   x-delay    ms to wait before answering (ok, status, trailers-only, empty, two, http, reset)
//   x-resp-size  the answer is this many bytes of "r" instead of "re:" + request message
//
// As a module: const grpc = await startGrpc();  grpc.port, grpc.calls (GrpcCallRecord: every call, with the
// request headers in order in rawHeaders), await grpc.close()
import http2 from "node:http2";

/**
 * @typedef {{ path: string, headers: Record<string, string | string[]>, rawHeaders: [string, string][],
 *             messages: Buffer[], at: number, ended: boolean, aborted: boolean, answered: boolean }} GrpcCallRecord
 */

/** length-prefixed gRPC frame */
export function frame(msg) {
  const b = Buffer.alloc(5 + msg.length);
  b.writeUInt32BE(msg.length, 1);
  Buffer.from(msg).copy(b, 5);
  return b;
}

/** @param {{ port?: number, host?: string }} [opts] */
export function startGrpc(opts = {}) {
  /** @type {GrpcCallRecord[]} */
  const calls = [];
  const sessions = new Set();
  const server = http2.createServer();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  server.on("stream", (stream, headers, _flags, raw) => {
    /** @type {Record<string, string | string[]>} */
    const h = {};
    for (const [k, v] of Object.entries(headers)) if (typeof v === "string" || Array.isArray(v)) h[k] = v;
    /** @type {GrpcCallRecord} */
    /** @type {[string, string][]} */
    const rawHeaders = [];
    for (let i = 0; i + 1 < (raw?.length ?? 0); i += 2) rawHeaders.push([raw[i], raw[i + 1]]);
    const rec = { path: String(headers[":path"] ?? ""), headers: h, rawHeaders, messages: [], at: Date.now(), ended: false, aborted: false, answered: false };
    calls.push(rec);
    const md = (name, dflt) => {
      const v = headers[name];
      return typeof v === "string" ? v : dflt;
    };
    const mode = md("x-mode", "ok");
    const delay = Number(md("x-delay", "0"));
    const status = md("x-status", "8");
    const message = md("x-message", "slow down");
    const respSize = md("x-resp-size", "");
    let pending = Buffer.alloc(0);
    const live = () => !stream.destroyed && !stream.closed;
    stream.on("aborted", () => { rec.aborted = true; });
    stream.on("close", () => { if (!rec.answered) rec.aborted = true; });
    stream.on("error", () => {});
    const ok = { ":status": 200, "content-type": "application/grpc", "x-init": "i1" };
    const trailers = (extra = {}) => ({ "grpc-status": "0", "x-trail": "t1", ...extra });

    stream.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const len = pending.readUInt32BE(1);
        if (pending.length < 5 + len) break;
        const msg = pending.subarray(5, 5 + len);
        rec.messages.push(Buffer.from(msg));
        pending = pending.subarray(5 + len);
        if (mode === "stream" && live()) stream.write(frame(Buffer.concat([Buffer.from("echo:"), msg])));
      }
    });
    if (mode === "stream") {
      stream.respond(ok, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers(trailers()));
      stream.on("end", () => {
        rec.ended = true;
        rec.answered = true;
        if (live()) stream.end();
      });
      return;
    }
    stream.on("end", () => {
      rec.ended = true;
      const answer = () => {
        if (!live()) return;
        rec.answered = true;
        const reply = respSize ? Buffer.alloc(Number(respSize), "r") : Buffer.concat([Buffer.from("re:"), rec.messages[0] ?? Buffer.alloc(0)]);
        switch (mode) {
          case "ok":
            stream.respond(ok, { waitForTrailers: true });
            stream.on("wantTrailers", () => stream.sendTrailers(trailers()));
            stream.end(frame(reply));
            break;
          case "two":
            stream.respond(ok, { waitForTrailers: true });
            stream.on("wantTrailers", () => stream.sendTrailers(trailers()));
            stream.write(frame(Buffer.from("first")));
            stream.end(frame(Buffer.from("second")));
            break;
          case "empty":
            stream.respond(ok, { waitForTrailers: true });
            stream.on("wantTrailers", () => stream.sendTrailers(trailers()));
            stream.end();
            break;
          case "status":
            stream.respond(ok, { waitForTrailers: true });
            stream.on("wantTrailers", () => stream.sendTrailers(trailers({ "grpc-status": status, "grpc-message": message })));
            if (md("x-body", "0") === "1") stream.end(frame(reply));
            else stream.end();
            break;
          case "trailers-only":
            stream.respond({ ...ok, "grpc-status": status, "grpc-message": message }, { endStream: true });
            break;
          case "http":
            stream.respond({ ":status": Number(md("x-http-status", "503")), "content-type": "text/plain" });
            stream.end("nope");
            break;
          case "reset":
            stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
            break;
          default:
            stream.respond({ ...ok, "grpc-status": "12", "grpc-message": `unknown x-mode ${mode}` }, { endStream: true });
        }
      };
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      const addr = server.address();
      resolve({
        port: typeof addr === "object" && addr ? addr.port : 0,
        calls,
        close: () => new Promise((done) => {
          for (const s of sessions) s.destroy();
          server.close(() => done(undefined));
        }),
      });
    });
  });
}
