/**
 * Learning-rate schedules, as pure functions of progress, so that a resumed run computes
 * the same rate as an uninterrupted one.
 */
export interface Progress {
  epoch: number;
  /** Step within the epoch. */
  step: number;
  stepsPerEpoch: number;
  epochs: number;
}

export type LrSchedule = (p: Progress) => number;

export interface ScheduleConfig {
  kind: 'constant' | 'step' | 'cosine';
  /** step: multiply by `gamma` every `stepEpochs` epochs. */
  stepEpochs?: number;
  gamma?: number;
  /** cosine: the floor it anneals to. */
  minLr?: number;
  /** Linear warm-up from 0 over this many epochs (fractions allowed), for any kind. */
  warmupEpochs?: number;
}

/**
 * @example const lr = makeSchedule(0.1, { kind: 'cosine', warmupEpochs: 1 })({ epoch: 3, step: 0, stepsPerEpoch: 100, epochs: 10 });
 */
export function makeSchedule(baseLr: number, cfg: ScheduleConfig = { kind: 'constant' }): LrSchedule {
  if (!(baseLr >= 0 && Number.isFinite(baseLr))) throw new RangeError(`schedule: base lr must be a finite number >= 0, got ${baseLr}`);
  const warm = cfg.warmupEpochs ?? 0;
  const inner: LrSchedule = (() => {
    switch (cfg.kind) {
      case 'constant':
        return () => baseLr;
      case 'step': {
        const every = cfg.stepEpochs ?? 1, gamma = cfg.gamma ?? 0.1;
        if (!(every >= 1)) throw new RangeError(`schedule: stepEpochs must be >= 1, got ${every}`);
        return (p: Progress) => baseLr * gamma ** Math.floor(p.epoch / every);
      }
      case 'cosine': {
        const floor = cfg.minLr ?? 0;
        return (p: Progress) => {
          const t = (p.epoch + p.step / p.stepsPerEpoch) / Math.max(p.epochs, 1e-9);
          return floor + 0.5 * (baseLr - floor) * (1 + Math.cos(Math.PI * Math.min(1, t)));
        };
      }
      default:
        throw new RangeError(`schedule: unknown kind '${String((cfg as { kind: unknown }).kind)}'; known: constant, step, cosine`);
    }
  })();
  if (warm <= 0) return inner;
  return (p) => {
    const t = p.epoch + (p.step + 1) / p.stepsPerEpoch;
    return t < warm ? inner(p) * (t / warm) : inner(p);
  };
}
