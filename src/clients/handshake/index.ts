/** Handshake simulation: what each client offers, and what it would negotiate with a server or why not. */

export * from "./errors.js";
export * from "./findings.js";
export * from "./offers.js";
export * from "./server.js";
export * from "./simulate.js";
export * from "./suites.js";
