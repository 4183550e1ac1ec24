import { Client } from 'pg';
import { PostgresMessageRepository } from './postgres-message.repository';
import { describeRepositoryContract } from './testing/message-repository.contract';
import { startThrowawayPostgres, type ThrowawayPostgres } from './testing/throwaway-postgres';

// initdb and a cold server start take a few seconds on two busy cores.
jest.setTimeout(120_000);

let server: ThrowawayPostgres | undefined;
const url = (): string => {
  if (!server) throw new Error('the throwaway PostgreSQL did not start (see the beforeAll error above)');
  return server.url;
};

beforeAll(async () => {
  server = await startThrowawayPostgres();
});

afterAll(async () => {
  await server?.stop();
});

describeRepositoryContract('PostgreSQL', {
  open: async () =>
    PostgresMessageRepository.open({ connectionString: url(), poolSize: 5, statementTimeoutMs: 10_000 }),
  appliedMigrations: async (repository) => (repository as PostgresMessageRepository).appliedMigrations(),
});

describe('PostgreSQL store specifics', () => {
  it('lets instances booting at once apply each migration exactly once', async () => {
    const client = new Client({ connectionString: url() });
    await client.connect();
    try {
      await client.query('CREATE DATABASE race');
    } finally {
      await client.end();
    }
    const raceUrl = url().replace(/\/postgres$/, '/race');
    const repositories = await Promise.all(
      Array.from({ length: 3 }, () =>
        PostgresMessageRepository.open({ connectionString: raceUrl, poolSize: 2, statementTimeoutMs: 10_000 }),
      ),
    );
    try {
      for (const repository of repositories) expect(await repository.appliedMigrations()).toEqual([1, 2]);
    } finally {
      await Promise.all(repositories.map((repository) => repository.close()));
    }
  });
});
