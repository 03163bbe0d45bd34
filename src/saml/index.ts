/** SAML: IdP metadata and Response checks (engine: strings and bytes in, reports out; the CLI reads files). */

export * from "./certs.js";
export * from "./check.js";
export * from "./dsig.js";
export * from "./findings.js";
export * from "./metadata.js";
export * from "./response.js";
export * from "./sample.js";
export * from "./xml.js";
