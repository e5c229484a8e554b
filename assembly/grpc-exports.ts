// The gRPC call callbacks, re-exported by modules that make gRPC calls (grpc-call.ts):
//   export * from "../../assembly/grpc-exports";
// Envoy delivers a unary call's outcome to the root context that made it: the message in
// proxy_on_grpc_receive, or a failure in proxy_on_grpc_close (never both for one call).

import * as dispatch from "./dispatcher";

export function proxy_on_grpc_receive(contextId: u32, token: u32, messageSize: u32): void {
  dispatch.onGrpcAnswer(token, 0, messageSize);
}

export function proxy_on_grpc_close(contextId: u32, token: u32, status: u32): void {
  dispatch.onGrpcAnswer(token, status, 0);
}
