/**
 * The parsing, start-up, verification and pathological-chain benchmarks: `npm run bench`. Each prints its
 * figures and the ratio against a peer or baseline run alongside. The fleet-scan benchmark
 * (`node dist/bench/scan.js`) runs on its own: it takes minutes and opens thousands of loopback connections.
 */
import { benchColdStart, benchParse } from "./parse.js";
import { benchPathological } from "./pathological.js";
import { benchStartup } from "./startup.js";
import { benchVerify } from "./verify.js";

benchParse();
benchColdStart();
benchStartup();
await benchVerify(process.argv.slice(2));
benchPathological();
