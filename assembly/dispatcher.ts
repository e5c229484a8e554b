// Routes ABI callbacks to plugin objects: one Plugin per root context, one Stream
// per HTTP stream. The filter of a stream is created at its first callback, once the
// configuration for that request is known (Higress `_rules_`). Before every stream
// callback the request view is bound to that stream.

import { Action, BufferType, DataAction, LogLevel } from "./enums";
import { getBuffer } from "./buffers";
import { Filter } from "./filter";
import { requestHeaders, requestTrailers, responseHeaders, responseTrailers } from "./headers";
import { grpcCallOwners, grpcFailureMessage, GrpcResponse } from "./grpc-call";
import { callOwners, HttpCallResponse } from "./http-call";
import { proxy_set_effective_context } from "./imports";
import { logAt } from "./log";
import { createPlugin, Plugin } from "./plugin";
import { requestView } from "./request-view";

/** One HTTP stream. Records are reused: a deleted stream's goes back to a small pool. */
class Stream {
  id: u32 = 0;
  plugin: Plugin | null = null;
  filter: Filter | null = null;
  /** True once the configuration for this request was looked up. */
  selected: bool = false;
}

const plugins = new Map<u32, Plugin>();
const streams = new Map<u32, Stream>();
const pool = new Array<Stream>();
const POOL_MAX = 64;
/** The stream of the last lookup: a stream's callbacks mostly come one after another. */
let recent: Stream | null = null;

/** The root context of the last stream created: nearly every stream of a VM has the same one. */
let recentRootId: u32 = 0;
let recentRoot: Plugin | null = null;

function findPlugin(rootId: u32): Plugin | null {
  if (rootId == recentRootId && recentRoot != null) return recentRoot;
  if (!plugins.has(rootId)) return null;
  const p = plugins.get(rootId);
  recentRootId = rootId;
  recentRoot = p;
  return p;
}

/** The stream with `id`, or null (one map lookup at most; none when it was the last one asked for). */
function findStream(id: u32): Stream | null {
  const r = recent;
  if (r != null && r.id == id) return r;
  if (!streams.has(id)) return null;
  const s = streams.get(id);
  recent = s;
  return s;
}

export function onContextCreate(contextId: u32, parentId: u32): void {
  if (parentId == 0) {
    const plugin = createPlugin();
    if (plugin == null) {
      logAt(LogLevel.Critical, "no plugin registered in this module (call registerFilter)");
      return;
    }
    plugin.contextId = contextId;
    plugins.set(contextId, plugin);
    return;
  }
  const plugin = findPlugin(parentId);
  if (plugin == null) return;
  const stream = pool.length > 0 ? pool.pop() : new Stream();
  stream.id = contextId;
  stream.plugin = plugin;
  streams.set(contextId, stream);
  recent = stream;
}

export function onConfigure(rootId: u32, size: u32): bool {
  if (!plugins.has(rootId)) return false;
  return plugins.get(rootId).configure(getBuffer(BufferType.PluginConfiguration, 0, size));
}

/** Parses a configuration without taking it: no metric, shared data or tick changes. */
export function onValidateConfiguration(rootId: u32, size: u32): bool {
  const plugin = plugins.has(rootId) ? plugins.get(rootId) : createPlugin();
  if (plugin == null) return false;
  return plugin.validate(getBuffer(BufferType.PluginConfiguration, 0, size));
}

export function onTick(rootId: u32): void {
  if (plugins.has(rootId)) plugins.get(rootId).onTick();
}

/** The active filter of a stream, or null when the plugin is off for it. */
function activeFilter(contextId: u32): Filter | null {
  const stream = findStream(contextId);
  if (stream == null) return null;
  requestView.enter(contextId);
  if (!stream.selected) {
    stream.selected = true;
    const filter = stream.plugin!.newFilter(requestView);
    if (filter != null) filter.contextId = contextId;
    stream.filter = filter;
  }
  const filter = stream.filter;
  if (filter == null || filter.responded) return null;
  return filter;
}

export function onRequestHeaders(contextId: u32, endOfStream: bool): Action {
  const filter = activeFilter(contextId);
  return filter == null ? Action.Continue : filter.onRequestHeaders(requestHeaders, endOfStream);
}

export function onRequestBody(contextId: u32, bodySize: u32, endOfStream: bool): DataAction {
  const filter = activeFilter(contextId);
  return filter == null ? DataAction.Continue : filter.onRequestBody(bodySize, endOfStream);
}

export function onRequestTrailers(contextId: u32): Action {
  const filter = activeFilter(contextId);
  return filter == null ? Action.Continue : filter.onRequestTrailers(requestTrailers);
}

export function onResponseHeaders(contextId: u32, endOfStream: bool): Action {
  const filter = activeFilter(contextId);
  return filter == null ? Action.Continue : filter.onResponseHeaders(responseHeaders, endOfStream);
}

export function onResponseBody(contextId: u32, bodySize: u32, endOfStream: bool): DataAction {
  const filter = activeFilter(contextId);
  return filter == null ? DataAction.Continue : filter.onResponseBody(bodySize, endOfStream);
}

export function onResponseTrailers(contextId: u32): Action {
  const filter = activeFilter(contextId);
  return filter == null ? Action.Continue : filter.onResponseTrailers(responseTrailers);
}

/** The filter of the stream `owner` made current for a call's answer, or null when it is gone. */
function answeredFilter(owner: u32): Filter | null {
  // Streams deleted before the answer came are simply gone.
  const stream = findStream(owner);
  if (stream == null) return null;
  const filter = stream.filter;
  if (filter == null) return null;
  proxy_set_effective_context(owner);
  requestView.enter(owner);
  return filter;
}

export function onHttpCallResponse(token: u32, headerCount: u32, bodySize: u32, trailerCount: u32): void {
  if (!callOwners.has(token)) return;
  const owner = callOwners.get(token);
  callOwners.delete(token);
  const response = new HttpCallResponse(token, headerCount, bodySize, trailerCount);
  if (plugins.has(owner)) {
    plugins.get(owner).onHttpCallResponse(response);
    return;
  }
  const filter = answeredFilter(owner);
  if (filter != null) filter.onHttpCallResponse(response);
}

/** A gRPC call's answer (status 0 with a message of `size` bytes) or its failure (status, no message). */
export function onGrpcAnswer(token: u32, status: u32, size: u32): void {
  if (!grpcCallOwners.has(token)) return;
  const owner = grpcCallOwners.get(token);
  grpcCallOwners.delete(token);
  const message = status == 0 ? "" : grpcFailureMessage();
  const response = new GrpcResponse(token, status, size, message);
  if (plugins.has(owner)) {
    plugins.get(owner).onGrpcResponse(response);
    return;
  }
  const filter = answeredFilter(owner);
  if (filter == null) return;
  filter.grpcCallsPending--;
  filter.onGrpcResponse(response);
}

/** Called with each deleted stream that has gRPC calls pending; set by grpc-call.ts, so modules without gRPC calls carry none of it. */
let streamDeletedHook: ((contextId: u32) => void) | null = null;

export function setStreamDeletedHook(hook: (contextId: u32) => void): void { streamDeletedHook = hook; }

/**
 * Wakes a stream from a root callback (a tick, an http call the root made): makes it the effective
 * context, binds the request view and calls its filter's onWake. False when the stream is gone or
 * its filter already answered.
 */
export function wakeStream(contextId: u32): bool {
  const stream = findStream(contextId);
  if (stream == null) return false;
  const filter = stream.filter;
  if (filter == null || filter.responded) return false;
  proxy_set_effective_context(contextId);
  requestView.enter(contextId);
  filter.onWake();
  return true;
}

export function onLog(contextId: u32): void {
  const stream = findStream(contextId);
  if (stream == null) return;
  const filter = stream.filter;
  if (filter == null) return;
  requestView.enter(contextId);
  filter.onLog();
}

export function onDone(contextId: u32): bool {
  if (plugins.has(contextId)) {
    plugins.get(contextId).onDone();
    return true;
  }
  const stream = findStream(contextId);
  if (stream != null && stream.filter != null) {
    requestView.enter(contextId);
    stream.filter!.onDone();
  }
  return true;
}

/** Forgets a stream or root context; true for a stream. */
export function onDelete(contextId: u32): bool {
  const stream = findStream(contextId);
  if (stream != null) {
    streams.delete(contextId);
    requestView.leave(contextId);
    const hook = streamDeletedHook;
    const filter = stream.filter;
    if (hook != null && filter != null && filter.grpcCallsPending > 0) hook(contextId);
    recent = null;
    stream.plugin = null;
    stream.filter = null;
    stream.selected = false;
    if (pool.length < POOL_MAX) pool.push(stream);
    return true;
  }
  plugins.delete(contextId);
  if (contextId == recentRootId) recentRoot = null;
  return false;
}
