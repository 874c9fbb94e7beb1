/** The runtime's error kinds, so callers can catch a bad file apart from a bad call. */

/**
 * A `.pqm` file (or a model handed to the runtime) that is truncated, corrupt or malformed.
 * @example try { await Session.create('m.pqm'); } catch (e) { if (e instanceof FormatError) console.error(`bad file: ${e.message}`); }
 */
export class FormatError extends Error {
  override name = 'FormatError';
}

/**
 * A Session used wrongly: an input of the wrong size, a released session, bad options.
 * @example try { await session.run(pixels, [1, 3, 28, 28]); } catch (e) { if (e instanceof SessionError) console.error(e.message); }
 */
export class SessionError extends Error {
  override name = 'SessionError';
}
