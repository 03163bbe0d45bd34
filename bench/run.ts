/** All benchmarks: `npm run bench`. Each prints its figures and the ratio against a peer run alongside. */
import { benchColdStart, benchParse } from "./parse.js";

benchParse();
benchColdStart();
