import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../config';
import { missingArtifacts, pomArtifacts } from './install';

describe('the Kafka jar cache', () => {
  const pom = readFileSync(join(REPO_ROOT, 'tools', 'kafka', 'pom.xml'), 'utf8');

  it("reads the pom's direct dependencies, the log4j binding for Kafka's slf4j 1.7 API among them", () => {
    expect(pomArtifacts(pom)).toEqual(['kafka_2.13', 'kafka-tools', 'log4j-slf4j-impl', 'log4j-core']);
  });

  it('is complete only with a versioned jar of every artifact, so a cache from an older pom is fetched again', () => {
    const artifacts = pomArtifacts(pom);
    const current = [
      'kafka_2.13-4.1.1.jar',
      'kafka-tools-4.1.1.jar',
      'log4j-slf4j-impl-2.24.3.jar',
      'log4j-core-2.24.3.jar',
    ];
    expect(missingArtifacts(current, artifacts)).toEqual([]);
    // The cache before the fix: slf4j2's binding beside Kafka's slf4j-api 1.7, so the broker logged nothing.
    const older = [
      'kafka_2.13-4.1.1.jar',
      'kafka-tools-4.1.1.jar',
      'log4j-slf4j2-impl-2.24.3.jar',
      'log4j-core-2.24.3.jar',
    ];
    expect(missingArtifacts(older, artifacts)).toEqual(['log4j-slf4j-impl']);
    // A longer artifact id with the same start is not the artifact.
    expect(missingArtifacts(['kafka-tools-api-4.1.1.jar'], ['kafka-tools'])).toEqual(['kafka-tools']);
  });
});
