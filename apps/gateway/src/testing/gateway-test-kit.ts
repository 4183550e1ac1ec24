import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { MessageAccepted, MessageView } from '#libs/contracts';
import { buildService } from '#libs/platform';
import type { MessagePage, MessageReader, PageQuery } from '../data-service/message-reader';
import { DataServiceError, PublishFailedError } from '../errors';
import { GatewayModule, type GatewayOverrides } from '../gateway.module';
import { gatewayService } from '../main';
import { type LateOutcome, type MessagePublisher, PublishTimeoutError } from '../messages/message-publisher';

/**
 * Records what would have gone to Kafka. `failures` makes the next sends fail; `timeouts` makes
 * them time out with their outcome left to `settleLate` (published late: recorded then).
 */
export class FakePublisher implements MessagePublisher {
  readonly published: { message: MessageAccepted; correlationId: string }[] = [];
  failures = 0;
  timeouts = 0;
  delayMs = 0;
  private readonly late: { record: () => void; resolve: (outcome: LateOutcome) => void }[] = [];

  async publishAccepted(message: MessageAccepted, correlationId: string): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failures > 0) {
      this.failures -= 1;
      throw new PublishFailedError('broker down (fake)');
    }
    if (this.timeouts > 0) {
      this.timeouts -= 1;
      let resolve!: (outcome: LateOutcome) => void;
      const outcome = new Promise<LateOutcome>((r) => (resolve = r));
      this.late.push({ record: () => this.published.push({ message, correlationId }), resolve });
      throw new PublishTimeoutError('publish did not complete in time (fake)', outcome);
    }
    this.published.push({ message, correlationId });
  }

  /** Ends every timed-out send: `published` records it (Kafka got it after all). */
  async settleLate(outcome: LateOutcome): Promise<void> {
    for (const send of this.late.splice(0)) {
      if (outcome === 'published') send.record();
      send.resolve(outcome);
    }
    // Let the intake's continuations (key completion, metrics) run.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * data-service's read API in memory, scoped by creating client as the real one is; `failWith` makes
 * every call fail like the real client would.
 */
export class FakeReader implements MessageReader {
  private readonly views = new Map<string, { view: MessageView; clientId: string }>();
  failWith: DataServiceError['code'] | undefined;
  lastPage: { user: string; page: PageQuery } | undefined;

  /** Stores `view` as created by `clientId` (the test kit's default client unless said). */
  add(view: MessageView, clientId = DEFAULT_CLIENT_ID): void {
    this.views.set(view.id, { view, clientId });
  }

  async getMessage(id: string, reader: { clientId: string }): Promise<MessageView | undefined> {
    this.maybeFail();
    const stored = this.views.get(id);
    return stored?.clientId === reader.clientId ? stored.view : undefined;
  }

  async listUserMessages(user: string, page: PageQuery): Promise<MessagePage> {
    this.maybeFail();
    this.lastPage = { user, page };
    const items = [...this.views.values()]
      .filter((stored) => stored.view.user === user && stored.clientId === page.clientId)
      .map((stored) => stored.view)
      .slice(0, page.limit);
    return { items, nextBefore: null };
  }

  private maybeFail(): void {
    if (this.failWith) throw new DataServiceError(this.failWith, `fake ${this.failWith}`);
  }
}

/** The client id of `token()` when none is given. */
export const DEFAULT_CLIENT_ID = 'jeeves-demo';

export function messageView(overrides: Partial<MessageView> = {}): MessageView {
  const now = new Date().toISOString();
  return {
    id: '6f1d7a4e-2b1c-4c5d-9e8f-0a1b2c3d4e5f',
    user: 'alice',
    text: 'weather in Paris',
    status: 'replied',
    intent: 'weather',
    reply: 'Sunny in Paris',
    degraded: false,
    failureReason: null,
    traceId: null,
    acceptedAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export interface TestGateway {
  app: NestFastifyApplication;
  publisher: FakePublisher;
  reader: FakeReader;
  /** A token signed by the test's key, as the token dealer would issue it. */
  token(scope?: string, clientId?: string): Promise<string>;
  close(): Promise<void>;
}

const ISSUER = 'jeeves-token-dealer';
const AUDIENCE = 'jeeves-api';

/** The gateway as `main.ts` defines it, with Kafka, data-service and the JWKS replaced by fakes. */
export async function startTestGateway(
  env: Record<string, string> = {},
  overrides: GatewayOverrides = {},
): Promise<TestGateway> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const publisher = new FakePublisher();
  const reader = new FakeReader();
  const { app } = await buildService(
    {
      ...gatewayService,
      module: (context) =>
        GatewayModule.register(context, {
          publisher,
          reader,
          keySet: createLocalJWKSet({ keys: [jwk] }),
          ...overrides,
        }),
    },
    { LOG_LEVEL: 'silent', TOKEN_DEALER_URL: 'http://127.0.0.1:3001', ...env },
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    publisher,
    reader,
    token: (scope = 'messages:write messages:read', clientId = DEFAULT_CLIENT_ID) =>
      new SignJWT({ client_id: clientId, scope })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
        .setSubject(clientId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(pair.privateKey),
    close: () => app.close(),
  };
}
