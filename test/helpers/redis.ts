export { startRedis, freePort, type Running as RedisServer } from "../../src/lab/processes.js";
