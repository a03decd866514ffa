export { startApp, startHaproxy, type Running } from "../../src/lab/processes.js";
