import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';

/**
 * Hands a message handler's error to the transport as it was thrown. Nest's default RPC filter
 * replaces anything that is not an RpcException with `{ status: 'error', message: 'Internal server
 * error' }` and logs it; the transport needs the original (its class and code decide retry or
 * dead letter), and logs it once itself. Bind it with `@UseFilters` on each `@EventPattern`
 * controller: `connectMicroservice` registers the handlers at once, before global filters could be set.
 */
@Catch()
export class RpcErrorPassthroughFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
