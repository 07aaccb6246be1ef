import type { JobPlan } from './types.js';
import type { StartSpec } from '../remote/job-script.js';
import { buildJobMeta } from '../jobs/meta.js';

// A planned job as the launch script takes it; `started` (the client's clock) goes into its record.
export function startSpecOf(job: JobPlan, started: Date): StartSpec {
  return {
    name: job.name,
    project: job.project,
    script: job.script,
    metaJson: buildJobMeta({ name: job.name, argv: [...job.argv], server: job.server, cwd: job.cwd, started: started.toISOString(), mode: job.mode }),
    wrapper: job.wrapper,
    ...(job.size ?? {}),
  };
}
