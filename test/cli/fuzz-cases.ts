/**
 * The case generator of the CLI fuzz test (cli-fuzz.test.ts): a small valid command per case,
 * broken by one or two seeded mutations, each of which a correct CLI must refuse.
 */
import { join } from 'node:path';

/** mulberry32: a small seeded generator, so every run tries the same cases. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]! };
}

export type Rng = ReturnType<typeof rng>;

/** The files the cases read: good inputs, earlier stages and damaged copies. */
export interface FuzzInputs {
  /** Folders: the inputs, and the parent of every case's --out. */
  in: string;
  outs: string;
  model: string;
  pqm: string;
  onnx: string;
  /** A checkpoint under a .onnx name: its contents disagree with its extension. */
  misnamed: string;
  /** A quantized checkpoint, in a folder of its own (an earlier stage). */
  quantized: string;
  /** A train --out folder, for --resume. */
  run: string;
  junk: string;
  dir: string;
  dirPqm: string;
  damagedPqck: string[];
  damagedPqm: string[];
  /** A study run folder with a valid results.json, and folders whose results.json is damaged. */
  results: string;
  damagedResults: string[];
  /** A valid study config (run's CONFIG), configs that are broken, and a run folder of another config. */
  studyConfig: string;
  badConfigs: string[];
  otherStudy: string;
}

export type Command = 'train' | 'eval' | 'prune' | 'sensitivity' | 'quantize' | 'export' | 'bench' | 'report' | 'run' | 'inspect';
export const COMMANDS: Command[] = ['train', 'eval', 'prune', 'sensitivity', 'quantize', 'export', 'bench', 'report', 'run', 'inspect'];

export interface Case {
  command: Command;
  positionals: string[];
  /** [name, value]; null value: a boolean switch. */
  options: [string, string | null][];
  /** What --out names (a folder or a file); files may appear under it, nowhere else. */
  out: string | undefined;
  /** Tokens appended after rendering (a dangling '--limit'). */
  tail: string[];
  what: string[];
}

const NOT_NUMBERS = ['abc', 'NaN', 'Infinity', '-Infinity', '1e400', ' ', '1,5', '5x', '--'];
const HUGE_INT = '1e21'; // a number, but not a safe integer

/** Values each command must refuse for its number options. */
const BAD_NUMBERS: Record<Command, Record<string, string[]>> = {
  train: {
    epochs: ['0', '-1', '1.5', HUGE_INT], lr: ['0', '-0.5'], 'batch-size': ['0', '-8', '2.5'], momentum: ['-0.1'], 'weight-decay': ['-1'],
    'warmup-epochs': ['-2'], 'label-smoothing': ['1', '1.5', '-0.1', '1e9'], shift: ['-1', '0.5'], seed: ['0.5', '1e300'], limit: ['0', '-5', '0.5', HUGE_INT],
    threads: ['0', '-1', '1e9', '2.5'],
  },
  eval: { 'batch-size': ['0', '-1', '0.5'], limit: ['0', '-1', '1.5'], threads: ['0', '1e9'] },
  prune: {
    sparsity: ['1', '-0.1', '2', '1e9'], 'min-size': ['-1', '0.5'], 'finetune-epochs': ['-1', '0.5'], lr: ['0', '-1'], 'batch-size': ['0', '1.5'],
    seed: ['0.5'], tolerance: ['-1'], 'prune-every': ['0', '-3', '0.5'], limit: ['0', '-1'], threads: ['0', '1e9'],
    val: ['-1', '0.5', '5'], // any --val without --adaptive is refused
  },
  // --val 100000: more validation images than the 16 training images the case loads.
  sensitivity: { target: ['1', '-0.5', '7'], 'min-size': ['-1'], limit: ['0', '-1'], threads: ['0'], val: ['-1', '1.5', '100000'] },
  quantize: {
    bits: ['0', '1', '17', '1e9', '2.5', '-4'], percentile: ['0', '-1', '101'], 'calibration-batches': ['0', '-1', '1.5'], limit: ['0'], seed: ['0.5'],
    epochs: ['0', '-1'], lr: ['0'], 'batch-size': ['0'], 'freeze-epoch': ['-1', '0.5'], threads: ['0', '1e9'],
  },
  export: {},
  bench: { batch: ['0', '-1', '1.5'], seconds: ['0', '-1'], threads: ['0', '1e9'] },
  report: {},
  run: { workers: ['0', '-1', '65', '1.5', HUGE_INT], threads: ['0', '1e9'] },
  inspect: {},
};

/** The preprocessing options of the commands that take a model and data. */
const BAD_PREPROCESSING: Record<string, string[]> = { layout: ['NCHW', 'chw'], range: ['0-2', '255'], mean: ['a', '1,,2', '1e400'], std: ['0', '-1', '0.5,abc'] };

const BAD_STRINGS: Record<Command, Record<string, string[]>> = {
  train: {
    model: ['nope', 'LeNet5'], dataset: ['cifar10', 'MNIST'], optimizer: ['rmsprop'], schedule: ['linear'],
    'input-shape': ['1,28', '0,28,28', '2,28,28', 'a,b,c', '1,28,28,1'], ...BAD_PREPROCESSING,
  },
  eval: { dataset: ['nope'], ...BAD_PREPROCESSING },
  prune: { scope: ['both'], dataset: ['nope'], ...BAD_PREPROCESSING },
  sensitivity: { levels: [',', 'abc', '100', '-1', '50,abc', '1e400'], dataset: ['nope'], ...BAD_PREPROCESSING },
  quantize: {
    granularity: ['row'], range: ['max', '0-1'], activations: ['int4'], observer: ['avg'], dataset: ['x'],
    layout: BAD_PREPROCESSING['layout']!, 'input-range': BAD_PREPROCESSING['range']!, mean: BAD_PREPROCESSING['mean']!, std: BAD_PREPROCESSING['std']!,
  },
  export: { format: ['tflite', 'ONNX'] },
  bench: {},
  report: {},
  run: { preset: ['huge', 'TINY', 'quick,tiny'] },
  inspect: {},
};

const SWITCHES: Record<Command, string[]> = {
  train: ['json', 'help', 'force', 'resume', 'nesterov'],
  eval: ['json', 'help'],
  prune: ['json', 'force', 'adaptive', 'gradual'],
  sensitivity: ['json', 'force'],
  quantize: ['json', 'force', 'qat', 'lsq', 'asymmetric'],
  export: ['json', 'force', 'help'],
  bench: ['json', 'explain'],
  report: ['json', 'help'],
  run: ['json', 'help', 'no-cache'],
  inspect: ['json', 'help'],
};

const VALUE_OPTIONS: Record<Command, string[]> = Object.fromEntries(COMMANDS.map((c) => [c, [...Object.keys(BAD_NUMBERS[c]), ...Object.keys(BAD_STRINGS[c]), ...(c === 'eval' || c === 'bench' || c === 'report' || c === 'inspect' ? [] : c === 'run' ? ['out', 'resume'] : ['out'])]])) as Record<Command, string[]>;

/** Returns generate(index, rng): the argument list of case `index` and what it broke. */
export function caseGenerator(P: FuzzInputs) {
  /** The small valid command each case starts from. */
  function baseCase(command: Command, index: number): Case {
    const out = join(P.outs, `case-${index}`);
    const c: Case = { command, positionals: [], options: [], out, tail: [], what: [] };
    const opts = (...kv: [string, string | null][]) => c.options.push(...kv);
    switch (command) {
      case 'train': opts(['limit', '16'], ['epochs', '1'], ['batch-size', '16'], ['out', out]); break;
      case 'eval': c.positionals.push(P.model); opts(['limit', '16']); c.out = undefined; break;
      case 'prune': c.positionals.push(P.model); opts(['sparsity', '0.5'], ['finetune-epochs', '0'], ['limit', '16'], ['out', out]); break;
      case 'sensitivity': c.positionals.push(P.model); opts(['levels', '50'], ['limit', '16'], ['out', `${out}.json`]); c.out = `${out}.json`; break;
      case 'quantize': c.positionals.push(P.model); opts(['bits', '4'], ['limit', '16'], ['out', out]); break;
      case 'export': c.positionals.push(P.model); opts(['out', `${out}.onnx`]); c.out = `${out}.onnx`; break;
      case 'bench': c.positionals.push(P.pqm); opts(['seconds', '0.01'], ['batch', '2']); c.out = undefined; break;
      // A refused report writes nothing, not even in its DIR: no --out to allow writes under.
      case 'report': c.positionals.push(P.results); opts(['json', null]); c.out = undefined; break;
      // The tiny preset: a mutation that slips through runs a study, and the case timer reports it.
      case 'run': c.positionals.push(P.studyConfig); opts(['preset', 'tiny'], ['no-cache', null], ['out', out]); break;
      case 'inspect': c.positionals.push(P.model); opts(['json', null]); c.out = undefined; break;
    }
    return c;
  }

  const setOption = (c: Case, name: string, value: string | null) => {
    c.options = c.options.filter(([k]) => k !== name);
    c.options.push([name, value]);
  };

  /** A damaged checkpoint as MODEL. */
  function damagedCheckpoint(c: Case, r: Rng): string | null {
    if (c.positionals.length === 0) return null;
    const model = r.pick(P.damagedPqck);
    c.positionals = [model];
    return `damaged ${model.slice(P.in.length + 1)}`;
  }

  /** A damaged .pqm as MODEL, for the commands that read one. */
  function damagedPqmFile(c: Case, r: Rng): string | null {
    if (c.command !== 'eval' && c.command !== 'bench' && c.command !== 'inspect') return null;
    const model = r.pick(P.damagedPqm);
    c.positionals = [model];
    return `damaged ${model.slice(P.in.length + 1)}`;
  }

  /** A study config that is not YAML, not a mapping, has an unknown field or a value out of range. */
  function badConfig(c: Case, r: Rng): string | null {
    if (c.command !== 'run') return null;
    const config = r.pick(P.badConfigs);
    c.positionals = [config];
    return `CONFIG ${config.slice(P.in.length + 1)}`;
  }

  /** train --dataset a path that is no dataset: missing, a file, an empty folder, a folder of files, /proc. */
  function badDatasetPath(c: Case, r: Rng): string | null {
    if (c.command !== 'train') return null;
    const value = r.pick([join(P.in, 'no-such-folder'), P.junk, P.dir, P.in, '/proc/pq-none']);
    setOption(c, 'dataset', value);
    return `--dataset ${value}`;
  }

  /** Each mutation breaks a case in one way and says how; null when it does not apply to the command. */
  const MUTATIONS: ((c: Case, r: Rng) => string | null)[] = [
    // an unknown flag
    (c, r) => {
      const flag = r.pick(['learning-rate', 'epoch', 'out-dir', 'LIMIT', 'verbose', '', 'x'.repeat(1 + r.int(12))]);
      c.options.splice(r.int(c.options.length + 1), 0, [flag, r.next() < 0.5 ? null : String(r.int(9))]);
      return `unknown flag --${flag}`;
    },
    // a value option without its value, at the end or followed by another option
    (c, r) => {
      if (VALUE_OPTIONS[c.command].length === 0) return null;
      const name = r.pick(VALUE_OPTIONS[c.command]);
      c.options = c.options.filter(([k]) => k !== name);
      if (r.next() < 0.5) c.tail.push(`--${name}`);
      else c.tail.push(`--${name}`, '--json');
      return `missing value for --${name}`;
    },
    // a number option that gets no number
    (c, r) => {
      const names = Object.keys(BAD_NUMBERS[c.command]);
      if (names.length === 0) return null;
      const name = r.pick(names), value = r.pick(NOT_NUMBERS);
      if (value === '--') return null;
      setOption(c, name, value);
      return `--${name} '${value}' (not a number)`;
    },
    // a number out of range: negative, zero, fractional, huge
    (c, r) => {
      const table = BAD_NUMBERS[c.command];
      const names = Object.keys(table);
      if (names.length === 0) return null;
      const name = r.pick(names), value = r.pick(table[name]!);
      setOption(c, name, value);
      if (c.command === 'quantize' && ['epochs', 'lr', 'batch-size', 'freeze-epoch'].includes(name)) setOption(c, 'qat', null);
      return `--${name} ${value}`;
    },
    // an unknown choice
    (c, r) => {
      const table = BAD_STRINGS[c.command];
      const names = Object.keys(table);
      if (names.length === 0) return null;
      const name = r.pick(names), value = r.pick(table[name]!);
      setOption(c, name, value);
      return `--${name} '${value}'`;
    },
    // a switch given a value other than true / false
    (c, r) => {
      const name = r.pick(SWITCHES[c.command]), value = r.pick(['no', 'yes', '1', '0', 'TRUE', '', 'on']);
      c.options.push([`${name}=${value}`, null]);
      return `--${name}=${value}`;
    },
    // the same option twice
    (c, r) => {
      if (c.options.length === 0) return null;
      const [name, value] = r.pick(c.options);
      c.options.push([name, value]);
      return `--${name} twice`;
    },
    // a stray positional
    (c, r) => {
      const extra = r.pick(['extra.pqck', '-', 'lenet5', P.model, '0']);
      c.positionals.push(extra);
      return `extra argument '${extra}'`;
    },
    // no MODEL (run's CONFIG is optional: without it, the defaults run)
    (c) => {
      if (c.positionals.length === 0 || c.command === 'run') return null;
      c.positionals = [];
      return 'no MODEL';
    },
    // a MODEL that does not exist, is a directory, or lives in /proc
    (c, r) => {
      if (c.positionals.length === 0) return null;
      const model = r.pick([join(P.in, 'none.pqck'), join(P.in, 'none', 'deeper.pqm'), P.dir, P.dirPqm, P.in, '/proc/version', '/proc/self/status', '/proc/pq-none.pqck', '/proc/pq-none.pqm', P.junk, '']);
      c.positionals = [model];
      return `MODEL ${model || "''"}`;
    },
    damagedCheckpoint,
    damagedPqmFile,
    // a study folder whose results.json is truncated, flipped, of another version or missing a field
    (c, r) => {
      if (c.command !== 'report') return null;
      const dir = r.pick(P.damagedResults);
      c.positionals = [dir];
      return `damaged ${dir.slice(P.in.length + 1)}/results.json`;
    },
    // an ONNX file where a study config or folder belongs, or (commands take .onnx models) a checkpoint named .onnx
    (c) => {
      if (c.positionals.length === 0 || c.command === 'bench') return null;
      const modelCommand = c.command !== 'run' && c.command !== 'report';
      c.positionals = [modelCommand ? P.misnamed : P.onnx];
      return modelCommand ? 'MODEL is a checkpoint named .onnx' : 'an .onnx file as the input';
    },
    // --out that cannot be written: under /proc, under a file, a directory for a file, an existing file
    (c, r) => {
      if (c.out === undefined) return null;
      const fileOut = c.command === 'export' || c.command === 'sensitivity';
      const out = fileOut
        ? r.pick(['/proc/pq-fuzz/out.file', '/proc/version', join(P.junk, 'sub.json'), P.dir, P.in, P.junk, P.onnx])
        : r.pick(['/proc/pq-fuzz/run', '/proc', join(P.junk, 'sub'), P.junk, '/proc/self']);
      setOption(c, 'out', out);
      c.out = undefined;
      return `--out ${out}`;
    },
    // --out that would replace the input or an earlier stage's model
    (c, r) => {
      if (c.out === undefined) return null;
      const fileOut = c.command === 'export' || c.command === 'sensitivity';
      const out = fileOut ? c.positionals[0] ?? P.model : r.pick([P.in, join(P.in, 'quantized'), P.run]);
      setOption(c, 'out', out);
      c.out = undefined;
      return `--out ${out} (an input or an earlier stage)`;
    },
    badConfig,
    // run --resume: a folder with no study, a study of another config, or with --out too
    (c, r) => {
      if (c.command !== 'run') return null;
      const [dir, keepOut] = r.pick([[P.in, false], [P.otherStudy, false], [P.results, false], [P.otherStudy, true]] as const);
      if (!keepOut) {
        c.options = c.options.filter(([k]) => k !== 'out');
        c.out = undefined;
      }
      c.options.push(['resume', dir]);
      return `--resume ${dir.slice(P.in.length + 1) || dir}${keepOut ? ' with --out' : ''}`;
    },
    // prune a quantized checkpoint
    (c) => {
      if (c.command !== 'prune') return null;
      c.positionals = [P.quantized];
      return 'prune a quantized checkpoint';
    },
    // train --resume into a run of another model, dataset, limit or optimizer
    (c, r) => {
      if (c.command !== 'train') return null;
      const [name, value] = r.pick([['model', 'mnist-cnn'], ['dataset', 'fashion-mnist'], ['limit', '16'], ['optimizer', 'adam']] as const);
      c.options = [['resume', null], [name, value], ['epochs', '2'], ['out', P.run]];
      c.out = undefined;
      return `--resume with --${name} ${value}`;
    },
    badDatasetPath,
    // adaptive pruning with a bad controller setting
    (c, r) => {
      if (c.command !== 'prune') return null;
      c.options = c.options.filter(([k]) => k !== 'sparsity');
      c.options.push(['adaptive', null]);
      const [name, value] = r.pick([['start', '-1'], ['start', '100'], ['start', '1e9'], ['step', '0'], ['step', '-5'], ['min-step', '0'], ['sparsity', '0.5'], ['gradual', null]] as const);
      c.options.push([name, value]);
      return `--adaptive with --${name}${value === null ? '' : ` ${value}`}`;
    },
  ];

  /** Damaged inputs (and dataset folders) are the cases most likely to slip through, so they are drawn three times as often. */
  const WEIGHTED = [...MUTATIONS, damagedCheckpoint, damagedCheckpoint, damagedPqmFile, damagedPqmFile, badDatasetPath, badDatasetPath];

  function render(c: Case, r: Rng): string[] {
    const units: string[][] = c.options.map(([k, v]) => (v === null ? [`--${k}`] : r.next() < 0.3 ? [`--${k}=${v}`] : [`--${k}`, v]));
    // Positionals go between whole options, never between an option and its value.
    for (const p of c.positionals) units.splice(r.int(units.length + 1), 0, [p]);
    return [c.command, ...units.flat(), ...c.tail];
  }

  return function generate(index: number, r: Rng): { argv: string[]; c: Case } {
    const c = baseCase(COMMANDS[index % COMMANDS.length]!, index);
    const wanted = r.next() < 0.15 ? 2 : 1;
    // Half of run's cases break its config file: the mutations of its own are few among the many.
    if (c.command === 'run' && r.next() < 0.5) c.what.push(badConfig(c, r)!);
    while (c.what.length < wanted) {
      const what = r.pick(WEIGHTED)(c, r);
      if (what !== null) c.what.push(what);
    }
    return { argv: render(c, r), c };
  };
}
