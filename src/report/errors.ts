/**
 * A results file that cannot be read or does not match the results format. The message names
 * the file and the field (`trials[3].valAccuracy`), what was expected and what came.
 * @example try { readResults('runs/x/results.json'); } catch (e) { if (e instanceof ResultsError) console.error(e.message); }
 */
export class ResultsError extends Error {
  override name = 'ResultsError';
  constructor(
    message: string,
    /** The file (or 'results' for an object handed over in memory). */
    readonly source: string,
    /** The field's path, e.g. 'trials[3].valAccuracy'; null when the whole file is at fault. */
    readonly field: string | null,
  ) {
    super(message);
  }
}
