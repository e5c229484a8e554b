// Garbage collection. Modules are built with AssemblyScript's minimal runtime: no shadow stack and
// no collector steps inside allocations (both cost on every call), but nothing is freed unless the
// module asks. It asks here, only where no managed object is referenced from the stack alone: at
// the end of an exported callback. Most of a request's garbage dies with its stream, so the
// collector runs every COLLECT_EVERY stream deletions (and after a configuration, whose parsing
// leaves the most garbage); its cost is one pass over the live heap, shared by those requests.

/** Stream deletions between collections: bounds the garbage kept to that many requests' worth. */
export const COLLECT_EVERY: i32 = 64;

let deletions: i32 = 0;

/** Call at the very end of proxy_on_delete for a stream. */
export function streamDeleted(): void {
  if (++deletions < COLLECT_EVERY) return;
  deletions = 0;
  __collect();
}

/** Call at the very end of an exported callback that left much garbage (configuration). */
export function collectNow(): void {
  deletions = 0;
  __collect();
}
