/**
 * A study config or run directory that cannot be used as given. The message names the source,
 * the field, the value found and what is allowed; `field` is the dotted path ('pruning.levels[2]').
 * @example try { loadStudyConfig('study.yaml'); } catch (e) { if (e instanceof StudyConfigError) console.error(e.message); }
 */
export class StudyConfigError extends Error {
  override name = 'StudyConfigError';
  constructor(message: string, readonly field: string | null = null) {
    super(message);
  }
}

/**
 * A trial that failed while running; names the trial and what went wrong.
 * @example try { await runStudy(loadStudyConfig(null, 'quick'), { runDir: 'runs/study', cacheDir: null }); } catch (e) { if (e instanceof TrialError) console.error(e.message); }
 */
export class TrialError extends Error {
  override name = 'TrialError';
  constructor(message: string, readonly trial: string) {
    super(message);
  }
}
