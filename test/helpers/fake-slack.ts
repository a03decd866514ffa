export { FakeSlack, blockKitViolations, type Call } from "../../src/lab/fake-slack.js";
