import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type LabConfig } from '../config';
import type { Log } from '../log';
import { mavenAvailable, runMaven } from '../maven';
import { KafkaSetupError } from './errors';

/** Installing the broker: Java checked, the Kafka jars fetched once per machine with Maven. */

const POM = join(REPO_ROOT, 'tools', 'kafka', 'pom.xml');

/** Kafka version pinned in tools/kafka/pom.xml: the cache directory is keyed by it. Throws KafkaSetupError without one. */
export function kafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!match) throw new KafkaSetupError(`No <kafka.version> property in ${POM}.`);
  return match[1].trim();
}

/** The machine-wide cache of this Kafka version's jars: `<cacheDir>/kafka-<version>/libs`. */
export function kafkaLibsDir(config: LabConfig): string {
  return join(config.cacheDir, `kafka-${kafkaVersion()}`, 'libs');
}

/** Fails with a message saying what to install when Java 17+ or Maven is missing. */
export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new KafkaSetupError(
      'Java is not on PATH. The lab runs Kafka natively and needs Java 17+ (e.g. apt-get install openjdk-17-jre-headless), or set KAFKA_BROKERS to use an existing cluster.',
    );
  }
  const match = /version "(\d+)/.exec(result.stderr);
  if (match && Number(match[1]) < 17) {
    throw new KafkaSetupError(
      `Java ${match[1]} found; Kafka 4 needs Java 17+. Install a newer JRE or set KAFKA_BROKERS.`,
    );
  }
}

/** The `<artifactId>`s of the pom's direct `<dependency>` entries (the project's own id excluded). */
export function pomArtifacts(pom: string): string[] {
  return [...pom.matchAll(/<dependency>[\s\S]*?<artifactId>([^<]+)<\/artifactId>[\s\S]*?<\/dependency>/g)].map(
    (match) => match[1].trim(),
  );
}

/**
 * The artifacts with no `<artifactId>-<version>.jar` among `jars`: a cache filled from an older pom
 * (say, before the log4j binding the broker logs through was added) is fetched again.
 */
export function missingArtifacts(jars: readonly string[], artifacts: readonly string[]): string[] {
  return artifacts.filter(
    (artifact) => !jars.some((jar) => jar.startsWith(`${artifact}-`) && /^-\d/.test(jar.slice(artifact.length))),
  );
}

/**
 * Makes sure the broker's jars are in the machine-wide cache, resolving them with Maven the first
 * time (tools/kafka/pom.xml; see docs/decisions/0010). Returns the libs directory. Maven writes into
 * a temporary directory that is renamed at the end, so an interrupted download is never mistaken
 * for a complete one.
 */
export async function ensureKafkaJars(config: LabConfig, log: Log): Promise<string> {
  const libs = kafkaLibsDir(config);
  if (existsSync(libs) && missingArtifacts(readdirSync(libs), pomArtifacts(readFileSync(POM, 'utf8'))).length === 0)
    return libs;
  if (!mavenAvailable()) {
    throw new KafkaSetupError(
      `Kafka jars are not cached in ${libs} and Maven is not on PATH. Install Maven (apt-get install maven) or set KAFKA_BROKERS to use an existing cluster.`,
    );
  }
  const partial = `${libs}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  log(`kafka: fetching Kafka ${kafkaVersion()} jars with Maven into ${libs} (once per machine)`);
  const status = await runMaven(
    ['-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`, '-DincludeScope=runtime'],
    log,
  );
  if (status !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new KafkaSetupError(
      `Maven could not fetch the Kafka jars (exit ${status}). Check network access to the Maven repository and ~/.m2/settings.xml, then retry.`,
    );
  }
  rmSync(libs, { recursive: true, force: true });
  renameSync(partial, libs);
  log(`kafka: ${readdirSync(libs).length} jars cached`);
  return libs;
}
