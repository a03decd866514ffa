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

/** Starts the scenario's store in its topology. */
export function startStore(spec: RedisSpec, opts: StartOptions): Promise<LabStore> {
  switch (spec.topology) {
    case "single":
      return startSingleStore(spec, opts);
    case "sentinel":
      return startSentinelStore(spec, opts);
    case "cluster":
      return startClusterStore(spec, opts);
  }
}
