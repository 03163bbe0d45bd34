/**
 * Errors a user can cause by handing us bad input. The CLI prints `message` (no stack) and exits 2.
 * `where` names the file and position so the user can find the broken piece
 * (e.g. "chain.pem: certificate 2").
 */
export class InputError extends Error {
  override name = "InputError";
  constructor(
    message: string,
    /** A stable, machine-readable reason, e.g. "truncated-der", "bad-password". */
    readonly code: string = "bad-input",
  ) {
    super(message);
  }
}

/** The password given for a keystore or PKCS#12 file does not open it. */
export class BadPasswordError extends InputError {
  constructor(message: string) {
    super(message, "bad-password");
    this.name = "BadPasswordError";
  }
}

/** Input exceeds one of our limits (file size, certificate count, nesting). */
export class LimitError extends InputError {
  constructor(message: string) {
    super(message, "limit-exceeded");
    this.name = "LimitError";
  }
}
