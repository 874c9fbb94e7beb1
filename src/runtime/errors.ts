/** The runtime's error kinds, so callers can catch a bad file apart from a bad call. */

/** A `.pqm` file (or a model handed to the runtime) that is truncated, corrupt or malformed. */
export class FormatError extends Error {
  override name = 'FormatError';
}

/** A Session used wrongly: an input of the wrong size, a released session, bad options. */
export class SessionError extends Error {
  override name = 'SessionError';
}
