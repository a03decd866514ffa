/** Who a piece of background work is for: the person acting and the target it probes (if any). */
export type SlotKeys = { user: string; target?: string };

export type SlotLimits = { slots: number; slotsPerUser: number; slotsPerTarget: number };

/**
 * Background capacity shared fairly: at most `slots` diagnosis steps at once, of which one person holds at most
 * `slotsPerUser` and one target at most `slotsPerTarget`. Work waits in arrival order, but work that is over its
 * person's or target's share lets the next in line go first, so one slow target or one busy person cannot take
 * every slot.
 */
export function createSlots(limits: SlotLimits) {
  let active = 0;
  const byUser = new Map<string, number>();
  const byTarget = new Map<string, number>();
  const queue: Array<{ keys: SlotKeys; start: () => void }> = [];

  const count = (m: Map<string, number>, k: string | undefined) => (k === undefined ? 0 : (m.get(k) ?? 0));
  const add = (m: Map<string, number>, k: string | undefined, d: number) => {
    if (k === undefined) return;
    const n = count(m, k) + d;
    if (n > 0) m.set(k, n);
    else m.delete(k);
  };
  const fits = ({ user, target }: SlotKeys) =>
    active < limits.slots &&
    count(byUser, user) < limits.slotsPerUser &&
    (target === undefined || count(byTarget, target) < limits.slotsPerTarget);
  const take = (keys: SlotKeys, d: number) => {
    active += d;
    add(byUser, keys.user, d);
    add(byTarget, keys.target, d);
  };
  const pump = () => {
    for (let i = 0; i < queue.length && active < limits.slots;) {
      const job = queue[i]!;
      if (!fits(job.keys)) {
        i++;
        continue;
      }
      queue.splice(i, 1);
      take(job.keys, 1);
      job.start();
    }
  };

  return {
    async run<T>(keys: SlotKeys, work: () => Promise<T>): Promise<T> {
      await new Promise<void>((start) => {
        queue.push({ keys, start });
        pump();
      });
      try {
        return await work();
      } finally {
        take(keys, -1);
        pump();
      }
    },
  };
}
export type Slots = ReturnType<typeof createSlots>;
