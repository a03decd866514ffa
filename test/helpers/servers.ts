export { type Running } from "../../src/lab/processes.js";
export { startExpress as startApp } from "../../src/lab/stacks/express.js";
export { startHaproxy } from "../../src/lab/balancers/haproxy.js";
