import { execFileSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { startRedis, type RedisServer } from "../helpers/redis.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: RedisServer | undefined;

/** Builds the CLI that tests run as a child process, and starts the redis-server that store tests share. */
export default async function setup(project: TestProject) {
  execFileSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
  redis = await startRedis();
  project.provide("redisUrl", redis.url);
  return async () => {
    await redis?.stop();
  };
}
