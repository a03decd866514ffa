import { describe, expect, it } from "vitest";
import { createSlots } from "../../src/slack/slots.js";

describe("background slots", () => {
  it("give one person or one target only their share, and let the next in line go first", async () => {
    const slots = createSlots({ slots: 4, slotsPerUser: 2, slotsPerTarget: 3 });
    const running = new Set<string>();
    const release = new Map<string, () => void>();
    const job = (name: string, user: string, target?: string) =>
      slots.run({ user, target }, async () => {
        running.add(name);
        await new Promise<void>((r) => release.set(name, r));
        running.delete(name);
      });
    const jobs = [
      job("a1", "alice", "slow"),
      job("a2", "alice", "slow"),
      job("a3", "alice", "slow"), // over alice's share
      job("b1", "bob", "slow"),
      job("c1", "carol", "slow"), // over the target's share
      job("d1", "dave"),
    ];
    await new Promise((r) => setTimeout(r, 10));
    expect([...running].sort()).toEqual(["a1", "a2", "b1", "d1"]);
    release.get("a1")!();
    await new Promise((r) => setTimeout(r, 10));
    // a3 was first in line, and fits now that alice holds one.
    expect([...running].sort()).toEqual(["a2", "a3", "b1", "d1"]);
    for (const name of ["a2", "a3", "b1", "d1"]) release.get(name)!();
    await new Promise((r) => setTimeout(r, 10));
    expect([...running]).toEqual(["c1"]);
    release.get("c1")!();
    await Promise.all(jobs);
  });
});
