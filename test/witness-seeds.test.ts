import { WITNESS_SEEDS } from "../src/lab/witness.js";
import { describeForgetful } from "./helpers/witness-cases.js";

// The forgetful witnesses of every seed (110 diagnoses); test/witness.test.ts runs those who answer all they know.
describeForgetful(WITNESS_SEEDS);
