import { EVENT_TYPES, TOPICS } from '#libs/contracts';
import type { ConsumerOptions, KafkaConnection } from '#libs/kafka';
import type { ServiceContext } from '#libs/platform';
import type { WorkerConfig } from '../main';
import { ActionHandler } from './action-handler';
import { ActionConsumer, WORKER_GROUP_ID } from './action.consumer';
import { ActionRunner } from './action-runner';

describe('ActionConsumer', () => {
  it("joins the worker's group on the actions topic with WORKER_CONCURRENCY partitions at once", async () => {
    const started: ConsumerOptions[] = [];
    const connection = {
      startConsumer: async (options: ConsumerOptions) => void started.push(options),
    } as unknown as KafkaConnection;
    const runner = new ActionRunner({
      weather: () => Promise.reject(new Error('unused')),
      time: () => Promise.reject(new Error('unused')),
    });
    const context = { config: { WORKER_CONCURRENCY: 5 } } as unknown as ServiceContext<WorkerConfig>;
    await new ActionConsumer(
      connection,
      new ActionHandler(runner, { publish: async () => undefined }),
      context,
    ).onApplicationBootstrap();
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ groupId: 'jeeves-worker', topics: [TOPICS.actions], concurrency: 5 });
    expect(WORKER_GROUP_ID).toBe('jeeves-worker');
    expect(Object.keys(started[0]!.schemas)).toEqual([EVENT_TYPES.actionRequested]);
  });
});
