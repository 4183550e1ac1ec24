// A Jest reporter that tells the process which started Jest (tools/test/run.js, over the IPC
// channel it opens) what each shard is doing: the run's size once the test lab is up, each spec as
// it starts and ends, its failure message. Jest's own output goes to the shard's log file; these
// events become the short progress lines on the terminal. Without an IPC channel it does nothing.
'use strict';
const { specKey } = require('./sharding');

class ProgressReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  send(event) {
    if (typeof process.send === 'function' && process.connected) process.send(event);
  }

  // After globalSetup: the test lab is up and the shard's specs are known.
  onRunStart(aggregated) {
    this.send({ type: 'run-start', specs: aggregated.numTotalTestSuites });
  }

  onTestFileStart(test) {
    this.send({ type: 'spec-start', spec: specKey(this.rootDir, test.path) });
  }

  onTestFileResult(test, result) {
    const failed = result.numFailingTests > 0 || result.testExecError !== undefined;
    this.send({
      type: 'spec-end',
      spec: specKey(this.rootDir, test.path),
      passed: !failed,
      seconds: (result.perfStats.end - result.perfStats.start) / 1000,
      failureMessage: failed ? (result.failureMessage ?? String(result.testExecError?.message ?? '')) : undefined,
    });
  }

  onRunComplete(_contexts, aggregated) {
    this.send({
      type: 'run-end',
      passedSpecs: aggregated.numPassedTestSuites,
      failedSpecs: aggregated.numFailedTestSuites,
      passedTests: aggregated.numPassedTests,
      failedTests: aggregated.numFailedTests,
    });
  }

  getLastError() {
    return undefined;
  }
}

module.exports = ProgressReporter;
