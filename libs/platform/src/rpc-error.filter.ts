import { type ArgumentsHost, Catch } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';

/** Handler contexts whose transport takes handler errors as thrown (our hardened Kafka transport's). */
const passThrough = new WeakSet<object>();

/** Marks a handler's context (a `KafkaContext`) so that `RpcErrorPassthroughFilter` hands its errors on as thrown. */
export function passHandlerErrorsThrough(context: object): void {
  passThrough.add(context);
}

/**
 * Hands a message handler's error to the transport as it was thrown, when the transport asked for
 * that (`passHandlerErrorsThrough` on the context: the hardened transport, whose retry and dead
 * letter decisions need the error's class and code, and which logs it once itself). Under any other
 * transport (Nest's stock ServerKafka) it does what Nest's default RPC filter does, so `stock`
 * shows Nest's out-of-the-box behaviour: anything but an RpcException becomes `{ status: 'error',
 * message: 'Internal server error' }`. Bind it with `@UseFilters` on each `@EventPattern`
 * controller: `connectMicroservice` registers the handlers at once, before global filters could be set.
 */
@Catch()
export class RpcErrorPassthroughFilter extends BaseRpcExceptionFilter<unknown> {
  override catch(exception: unknown, host: ArgumentsHost): Observable<unknown> {
    const context: unknown = host.switchToRpc().getContext();
    if (typeof context === 'object' && context !== null && passThrough.has(context)) {
      return throwError(() => exception);
    }
    return super.catch(exception, host);
  }
}
