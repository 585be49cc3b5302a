import {
  newId,
  PROTOCOL_VERSION,
  type RpcErrorCode,
  type RpcMethod,
  RpcMethods,
  type RpcParams,
  type RpcRequest,
  type RpcResponse,
  type RpcResult,
  topics,
} from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { AgentBus } from '../agent-events.js';
import type { Link } from './mqtt-link.js';

export type RpcFailure = 'timeout' | 'offline' | 'bad-response' | 'closed' | RpcErrorCode;

export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly code: RpcFailure,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  method: RpcMethod;
  resolve: (value: unknown) => void;
  reject: (error: RpcError) => void;
  timer: NodeJS.Timeout;
}

export interface RpcClientOptions {
  deviceId: string;
  link: Link;
  bus: AgentBus;
  logger: Logger;
}

/**
 * Request/response over MQTT 3.1.1: a correlation id in the payload ties a reply on this device's
 * rpc/res to the call that asked. Nothing is retried here; a lookup that does not come back in
 * time is the caller's cue to fall back to its cache.
 */
export class RpcClient {
  readonly #o: RpcClientOptions;
  readonly #log: Logger;
  readonly #pending = new Map<string, Pending>();
  readonly #unsubscribe: Array<() => void>;

  constructor(options: RpcClientOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'rpc' });
    this.#unsubscribe = [
      options.bus.on('link.rpcResponse', (res) => this.#onResponse(res)),
      // A reply cannot arrive over a dead link in time to matter; fail fast instead of waiting out
      // the timeout.
      options.bus.on('link.online', (online) => {
        if (!online) this.#rejectAll('offline', 'the MQTT link went down before the server replied');
      }),
    ];
  }

  pendingCount(): number {
    return this.#pending.size;
  }

  call<M extends RpcMethod>(method: M, params: RpcParams<M>, timeoutMs: number): Promise<RpcResult<M>> {
    const checked = RpcMethods[method].params.safeParse(params);
    if (!checked.success) {
      return Promise.reject(
        new RpcError('bad-request', `invalid ${method} params: ${checked.error.issues[0]?.message}`),
      );
    }
    if (!this.#o.link.online()) {
      return Promise.reject(
        new RpcError('offline', `${method}: the server is unreachable (MQTT link is down)`),
      );
    }
    const id = newId();
    const request: RpcRequest = { v: PROTOCOL_VERSION, id, method, params: checked.data };
    return new Promise<RpcResult<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RpcError('timeout', `${method}: no reply from the server within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      this.#o.link
        .publish(topics.rpcRequest(this.#o.deviceId), request, { qos: 1 })
        .catch((error: unknown) => {
          this.#settle(id)?.reject(
            new RpcError('offline', `${method}: could not send the request: ${String(error)}`),
          );
        });
    });
  }

  /** Rejects every call still waiting; used on shutdown. */
  close(): void {
    for (const off of this.#unsubscribe) off();
    this.#rejectAll('closed', 'the agent is shutting down');
  }

  #settle(id: string): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    return pending;
  }

  #onResponse(res: RpcResponse): void {
    const pending = this.#settle(res.id);
    if (!pending) {
      // A reply after its timeout, or one meant for an earlier run of this agent.
      this.#log.debug({ id: res.id }, 'ignored RPC response with no waiting call');
      return;
    }
    if (!res.ok) {
      pending.reject(new RpcError(res.error.code, `${pending.method}: server error: ${res.error.message}`));
      return;
    }
    const result = RpcMethods[pending.method].result.safeParse(res.result);
    if (!result.success) {
      const issue = result.error.issues[0];
      this.#log.warn(
        { id: res.id, method: pending.method, issue },
        'dropped RPC result that fails its schema',
      );
      pending.reject(
        new RpcError(
          'bad-response',
          `${pending.method}: the server sent an invalid result (${issue?.message})`,
        ),
      );
      return;
    }
    pending.resolve(result.data);
  }

  #rejectAll(code: RpcFailure, why: string): void {
    for (const id of [...this.#pending.keys()]) {
      const p = this.#settle(id);
      p?.reject(new RpcError(code, `${p.method}: ${why}`));
    }
  }
}
