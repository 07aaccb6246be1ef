// What a `slurm:` setting or a --partition/--gpus/--nodes/--time flag may hold. Pure checks shared by
// the config validation and the flags, so both refuse the same values with the same words. Every
// value later reaches srun/sbatch as one quoted word.

/** A cluster server's `slurm:` block after validation; every key optional (cluster defaults). */
export interface SlurmConfig {
  partition?: string;
  /** srun/sbatch --gpus: a count or `type:count`. */
  gpus?: string;
  /** Slurm's time formats: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`. */
  time?: string;
  nodes?: number;
  cpusPerTask?: number;
  /** `32G`, `500M`, or megabytes as a number. */
  mem?: string;
  account?: string;
  qos?: string;
  /** Passed through as given, after mtr's own options. */
  extra: string[];
}

/** --partition, --gpus, --nodes, --time of one run: they win over the server's `slurm:`. */
export interface SlurmOverrides {
  partition?: string;
  gpus?: string;
  nodes?: number;
  time?: string;
}

export const SLURM_EXPECT = {
  partition: 'a partition name (letters, digits, "_", "-", ".", or several joined by ",")',
  gpus: 'a GPU count (e.g. 2) or TYPE:COUNT (e.g. a100:2)',
  time: 'a Slurm time limit: MINUTES, MM:SS, HH:MM:SS or DAYS-HH[:MM[:SS]] (e.g. "2:00:00"), or UNLIMITED',
  nodes: 'a whole number of nodes, at least 1',
  count: 'a whole number, at least 1',
  mem: 'a memory size such as 32G, 500M or a number of megabytes',
  name: 'a name of letters, digits, "_", "-" or "."',
  extra: 'a list of srun/sbatch options such as "--constraint=h100"',
  option: 'an srun/sbatch option such as "--constraint=h100"',
} as const;

const NAME = /^[A-Za-z0-9_.-]+$/;
const PARTITION = /^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/;
const GPUS = /^([A-Za-z0-9_.-]+:)?[1-9][0-9]{0,5}$/;
const TIME = /^([0-9]{1,7}(:[0-9]{1,2}(:[0-9]{1,2})?)?|[0-9]{1,5}-[0-9]{1,2}(:[0-9]{1,2}(:[0-9]{1,2})?)?|UNLIMITED|INFINITE)$/i;
const MEM = /^[1-9][0-9]{0,9}[KMGT]?$/i;

export const isSlurmName = (value: string): boolean => NAME.test(value);
export const isPartition = (value: string): boolean => PARTITION.test(value);
export const isGpus = (value: string): boolean => GPUS.test(value);
export const isSlurmTime = (value: string): boolean => TIME.test(value);
export const isMem = (value: string): boolean => MEM.test(value);
// An option, not a stray word: srun would take a word for the command.
export const isExtraOption = (value: string): boolean => /^-[A-Za-z-]/.test(value);
