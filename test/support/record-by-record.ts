/** A file resource with its fast SQL read replaced by the record-by-record load it stands for: the reference the fast path is compared with. */
import type { Resource } from '../../extract/types.ts';

/** The resource with its fast read replaced by the record-by-record load it stands for. */
export function recordByRecord(resource: Resource): Resource {
  return {
    ...resource,
    async *extract(state, context) {
      for await (const batch of resource.extract(state, context)) {
        if (batch.sqlRead) yield* batch.sqlRead.fallback();
        else yield batch;
      }
    },
  };
}
