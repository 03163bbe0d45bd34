/**
 * chainproof's public API: one module per use case (src/app/*), each taking plain typed options and
 * returning the document the CLI's `--json` prints.
 */

export * from "./keys.js";
export * from "./stores.js";
