/** What every scenario gets from the runner. */
export interface ScenarioContext {
  /** Override of the scenario's node count (quick runs, the test suite's 500-node checks). */
  readonly nodes?: number;
  /** `--equal-budget`: the controller's client at upstream's 20 QPS / burst 30. */
  readonly equalBudget: boolean;
  /** Give up on a run after this long. */
  readonly timeoutMs: number;
  progress(text: string, force?: boolean): void;
}
