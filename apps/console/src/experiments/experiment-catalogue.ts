import type { ExperimentDescription } from '#libs/contracts';
import type { LabCli } from './lab-cli';

/**
 * The shipped experiments as the lab CLI describes them (`lab experiments --json`), kept for
 * `maxAgeMs` so a page load does not start a process each time, and re-read after that (a definition
 * edited while the console runs shows up). Concurrent readers share one CLI call.
 */
export class ExperimentCatalogue {
  private cached: { at: number; list: ExperimentDescription[] } | undefined;
  private pending: Promise<ExperimentDescription[]> | undefined;

  constructor(
    private readonly cli: LabCli,
    private readonly maxAgeMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Every shipped experiment; throws LabCliError when the CLI cannot describe them. */
  async list(): Promise<ExperimentDescription[]> {
    if (this.cached && this.clock() - this.cached.at < this.maxAgeMs) return this.cached.list;
    this.pending ??= this.cli
      .describeExperiments()
      .then((list) => {
        this.cached = { at: this.clock(), list };
        return list;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** The named experiment, or undefined when none is shipped by that name. */
  async find(name: string): Promise<ExperimentDescription | undefined> {
    return (await this.list()).find((e) => e.name === name);
  }
}
