import type { ServerConfig } from '../config/types.js';
import type { SlurmOverrides } from '../config/slurm-values.js';
import { UsageError } from '../errors.js';
import type { SlurmRequest } from '../remote/slurm-args.js';

// What a run asks of a Slurm cluster: the server's `slurm:` block with this run's flags over it.
// Pure. A plain server (no `slurm:`) takes no Slurm flags: refused, not ignored.
export function planSlurmRequest(server: ServerConfig, overrides: SlurmOverrides | undefined): SlurmRequest | undefined {
  if (!server.slurm) {
    const given = Object.keys(overrides ?? {});
    if (given.length) {
      throw new UsageError(
        `--${given[0]} applies to Slurm clusters; server ${server.name} has no \`slurm:\` block`,
        `add \`slurm: {}\` (or its settings) under servers.${server.name} in .mtr/config.yaml, or drop --${given[0]}`,
      );
    }
    return undefined;
  }
  const { extra, ...config } = server.slurm;
  return { ...config, ...overrides, extra: [...extra] };
}

/** What a cluster server refuses that the model cannot give it; undefined when fine. */
export function refuseOnCluster(server: ServerConfig, what: string, hint: string): void {
  if (server.slurm) throw new UsageError(`${what} does not apply to Slurm server ${server.name}`, hint);
}
