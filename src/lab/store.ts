import type { StartOptions, Running } from "./processes.js";
import type { RedisSpec } from "./schema.js";
import type { StoreInfo } from "./stacks/types.js";
import { startClusterStore } from "./stores/cluster.js";
import { startSentinelStore } from "./stores/sentinel.js";
import { startSingleStore } from "./stores/single.js";

export type LabStore = {
  /** How the app reaches it: `url` is the one address a client that ignores the topology is configured with. */
  info: StoreInfo;
  /**
   * What an engineer who knows the topology gives sessiondoc (`--redis`): the server itself,
   * `redis+sentinel://…/NAME` or `redis+cluster://…`.
   */
  probeUrl: string;
  /** An address the lab can read directly for its proofs: the app's own address. */
  adminUrl: string;
  parts: Running[];
  /** Runs once the apps are up and the first users signed in (a failover, a flush, a restart). */
  afterSignIns?: () => Promise<void>;
};

/**
 * RDB snapshots as redis-server takes them when no configuration says otherwise: a store that has run for weeks and
 * one started a second ago look alike only when both keep their data over a restart. `--save ""` in a scenario's
 * `args` turns them off (a cache-style store that keeps nothing).
 */
const REDIS_DEFAULT_SAVE = ["--save", "3600 1 300 100 60 10000"];

/** Starts the scenario's store in its topology. */
export function startStore(given: RedisSpec, opts: StartOptions): Promise<LabStore> {
  const spec = { ...given, args: [...REDIS_DEFAULT_SAVE, ...given.args] };
  switch (spec.topology) {
    case "single":
      return startSingleStore(spec, opts);
    case "sentinel":
      return startSentinelStore(spec, opts);
    case "cluster":
      return startClusterStore(spec, opts);
  }
}
