// The SDK's public API for plugin authors.

export { Action, DataAction, LogLevel, Status, MapType, BufferType } from "./enums";
export { HeaderMap, requestHeaders, responseHeaders, requestTrailers, responseTrailers } from "./headers";
export { HeaderPair } from "./pairs";
export { log } from "./log";
export { nowNanos, nowMillis, nowSeconds, monotonicNanos } from "./time";
export { PropertyPath, getPropertyBytes, getPropertyString, getPropertyInt, setProperty, routeName, clusterName } from "./properties";
export { getBuffer, setBuffer, bufferLength } from "./buffers";
export { SharedValue, getShared, setShared, setSharedRaw } from "./shared_data";
export { Counter, Gauge, Histogram } from "./metrics";
export { sendLocalResponse } from "./local_response";
export { clearRouteCache, callForeign } from "./foreign";
export { HttpCallResponse, HttpCallResult } from "./http_call";
export { ConfigObject, ConfigErrors } from "./config";
export { Filter, HttpFilter } from "./filter";
export { Plugin, FilterPlugin, registerFilter, registerPlugin } from "./plugin";
