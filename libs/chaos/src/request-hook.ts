import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChaosInjector } from './injector';

const CHAOS_PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * A Fastify `onRequest` hook applying route and whole-service faults to incoming requests: waits
 * out latency and hangs (a hang lasts until the fault ends or the client hangs up), then answers
 * an injected error with a problem+json body that says it was injected.
 */
export function chaosRequestHook(injector: ChaosInjector) {
  return async function chaosOnRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = request.url.split('?')[0] ?? request.url;
    if (injector.requestFaults(path, request.routeOptions.url).length === 0) return;
    const clientGone = new AbortController();
    // The response's close, not the request's: a request stream closes once its body is read.
    const onClose = () => clientGone.abort(new Error('client closed the connection'));
    reply.raw.once('close', onClose);
    try {
      const verdict = await injector.onRequest(path, request.routeOptions.url, clientGone.signal);
      if (verdict.kind === 'fail') {
        await reply
          .code(verdict.status)
          .header('content-type', CHAOS_PROBLEM_CONTENT_TYPE)
          .header('x-chaos-fault', verdict.fault.id)
          .send({
            type: '/problems/chaos-injected',
            title: 'Injected fault',
            status: verdict.status,
            code: 'chaos-injected',
            detail: `fault ${verdict.fault.id} (${verdict.fault.type}${verdict.fault.target ? ` on ${verdict.fault.target}` : ''}) failed this request on purpose`,
            instance: path,
          });
      }
    } catch {
      // The client went away while the request was held: nothing left to answer.
    } finally {
      reply.raw.removeListener('close', onClose);
    }
  };
}
