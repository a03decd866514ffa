import { WITNESS_SEEDS } from "../src/lab/witness.js";
import { describeForgetful } from "./helpers/witness-cases.js";

// The forgetful witnesses of every seed but the first, which test/witness.test.ts runs in the README's test command.
describeForgetful(WITNESS_SEEDS.slice(1));
