/**
 * How a round's clients are cut into the groups a simulation worker trains back to back and
 * answers with one message: large groups while much work is left (one wake-up and one message
 * each way for several updates), then smaller and smaller ones, so that the round's last tasks are
 * single clients and no worker sits idle behind another's long group. Pure.
 */

/** Clients in one group at most. */
export const MAX_GROUP = 8;

/**
 * The sizes of the groups, in order, for `clients` clients on `workers` workers: each takes half
 * of a worker's share of what is left (`remaining / (2 × workers)`, rounded down, at least 1, at
 * most {@link MAX_GROUP}); they add up to `clients`. 100 clients on 2 workers: nine groups of 8,
 * then 7, 5, 4, 3, 2 and seven single clients.
 */
export function groupSizes(clients: number, workers: number, max = MAX_GROUP): number[] {
  if (!Number.isInteger(clients) || clients < 0) throw new RangeError(`groupSizes: clients must be a non-negative integer, got ${clients}`);
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`groupSizes: workers must be a positive integer, got ${workers}`);
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`groupSizes: max must be a positive integer, got ${max}`);
  const sizes: number[] = [];
  for (let left = clients; left > 0; ) {
    const size = Math.min(max, Math.max(1, Math.floor(left / (2 * workers))));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}
