import type { LoadedConfig } from '../config/types.js';
import type { GetOptions, JobOptions, RunOptions, WatchOptions } from '../options.js';
import { planGet } from './get-plan.js';
import type { PlanInputs } from './inputs.js';
import { planJobs } from './jobs-plan.js';
import { checkRunOptions, planRun } from './run-plan.js';
import type { Plan } from './types.js';
import { planWatch } from './watch-plan.js';

/** The invocations that act on servers (as cli-plan.ts decides them). */
export type PlanRequest =
  | { kind: 'run'; options: RunOptions }
  | { kind: 'get'; options: GetOptions }
  | { kind: 'watch'; options: WatchOptions }
  | { kind: 'job'; options: JobOptions };

/** What can be refused before any config is read (`mtr` alone says "no command given" anywhere). */
export function checkRequest(request: PlanRequest): void {
  if (request.kind === 'run') checkRunOptions(request.options);
}

// The one planner: the invocation, the config and the environment's facts in; the plan out, frozen.
// Pure: the same inputs give the same plan, and a dry run shows exactly what a run executes.
export function buildPlan(request: PlanRequest, config: LoadedConfig, inputs: PlanInputs): Plan {
  return deepFreeze(planFor(request, config, inputs));
}

function planFor(request: PlanRequest, config: LoadedConfig, inputs: PlanInputs): Plan {
  switch (request.kind) {
    case 'run':
      return planRun(request.options, config, inputs);
    case 'get':
      return planGet(request.options, config, inputs);
    case 'watch':
      return planWatch(request.options, config, inputs);
    case 'job':
      return planJobs(request.options, config, inputs);
  }
}

// Nothing downstream may change what was decided (the types say readonly; this makes it so).
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
