/** Every scenario by id; a scenario may have several variants (modes), each run `--runs` times. */
import type { RunResult } from '../lib/report.js';
import type { ScenarioContext } from './context.js';
import { runS1InProcess } from './s1.js';
import { runS1Http } from './s1-http.js';
import { runS2, runS7 } from './s2.js';
import { s3 } from './s3.js';
import { runS4 } from './s4.js';
import { runS5 } from './s5.js';

export interface Variant {
  readonly name: string;
  run(ctx: ScenarioContext): Promise<RunResult>;
}

export const SCENARIOS: Readonly<Record<string, readonly Variant[]>> = {
  S1: [
    { name: 'in-process', run: runS1InProcess },
    { name: 'http', run: runS1Http },
  ],
  S2: [{ name: 'in-process', run: runS2 }],
  S3: [
    { name: 'maxUnavailable=10% ready=0s', run: s3({ surge: false, readySeconds: 0 }) },
    { name: 'maxUnavailable=10% ready=1s', run: s3({ surge: false, readySeconds: 1 }) },
  ],
  S3B: [
    { name: 'maxSurge=10% ready=0s', run: s3({ surge: true, readySeconds: 0 }) },
    { name: 'maxSurge=10% ready=1s', run: s3({ surge: true, readySeconds: 1 }) },
  ],
  S4: [{ name: 'churn ±100 nodes/s', run: runS4 }],
  S5: [{ name: 'heartbeat flood', run: runS5 }],
  S7: [{ name: 'memory', run: runS7 }],
};
