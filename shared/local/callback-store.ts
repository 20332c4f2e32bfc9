/**
 * Callback semantics for Interactions when running locally. aws-local-stepfunctions treats the task
 * handler's return value as the result of a `.waitForTaskToken` state, so the local handler parks on a
 * promise from this store until someone answers (the local hub's response endpoint, a test, the CLI), the
 * way SendTaskSuccess / SendTaskFailure would release the state in AWS.
 */
import { SoclessError } from '../errors.ts';
import { planHashOfActions } from '../remediation/plan-hash.ts';

/** An Interaction waiting for a human. */
export interface PendingInteraction {
  /** Short id to answer by (the local hub shows it). */
  readonly id: string;
  readonly taskToken: string;
  readonly executionId: string;
  readonly state: string;
  readonly integration: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

/** An answer that fails the state, like SendTaskFailure (`error` is what Catch matches). */
export class InteractionFailure extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** No pending interaction has that id or token (answered already, or never existed). */
export class UnknownInteractionError extends SoclessError {
  constructor(readonly ref: string) {
    super(`no pending interaction ${ref}: it was answered already or never existed`);
  }
}

/** Error name a rejected interaction fails its state with. */
export const INTERACTION_REJECTED_ERROR = 'Socless.InteractionRejected';

export interface TimeoutDecision {
  /** What happens when nobody answered in time: approve, reject, or fail with `States.Timeout`. */
  readonly decision: 'approve' | 'reject' | 'timeout';
  readonly afterMs: number;
}

interface Waiter {
  readonly pending: PendingInteraction;
  resolve(output: unknown): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
}

export class LocalCallbackStore {
  private readonly waiters = new Map<string, Waiter>();
  private readonly listeners = new Set<(p: PendingInteraction) => void>();
  private counter = 0;

  constructor(private readonly options: { readonly timeoutDecision?: TimeoutDecision } = {}) {}

  /**
   * Parks an interaction until it is answered; returns its id and the promise of the state's result.
   * Register before invoking the integration, so an answer that arrives during the invocation is not lost.
   */
  register(request: Omit<PendingInteraction, 'id' | 'createdAt'>): { id: string; result: Promise<unknown> } {
    this.counter += 1;
    const id = `i-${this.counter}`;
    const pending: PendingInteraction = { ...request, id, createdAt: new Date().toISOString() };
    let resolve!: (output: unknown) => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The state awaits this only after invoking the integration: an early answer must not count as unhandled.
    promise.catch(() => undefined);
    const waiter: Waiter = { pending, resolve, reject };
    this.waiters.set(id, waiter);
    const decision = this.options.timeoutDecision;
    if (decision) {
      waiter.timer = setTimeout(() => {
        if (decision.decision === 'timeout') this.fail(id, 'States.Timeout', 'no answer before the local timeout');
        else this.answer(id, decision.decision, 'local-timeout');
      }, decision.afterMs);
      waiter.timer.unref();
    }
    // Tell listeners after the current call chain: the executor may still be inside the library's run().
    queueMicrotask(() => {
      if (!this.waiters.has(id)) return;
      for (const listener of this.listeners) listener(pending);
    });
    return { id, result: promise };
  }

  /** Interactions waiting for an answer, oldest first. */
  pending(): PendingInteraction[] {
    return [...this.waiters.values()].map((w) => w.pending);
  }

  /**
   * Calls `listener` for each interaction already waiting and whenever one starts waiting; returns a function
   * that stops it.
   */
  onPending(listener: (p: PendingInteraction) => void): () => void {
    for (const p of this.pending()) listener(p);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Answers by id or task token. Approve releases the state with `{decision, responder, answered_at}` and, as
   * a deployed answer does, the `plan_hash` of the planned calls the request showed (its `actions`);
   * reject fails it with `Socless.InteractionRejected` (a Catch can route it).
   */
  answer(ref: string, decision: 'approve' | 'reject', responder: string, extra: Record<string, unknown> = {}): void {
    if (decision === 'reject') {
      this.fail(ref, INTERACTION_REJECTED_ERROR, `rejected by ${responder}`);
      return;
    }
    const hash = planHashOfActions(this.find(ref)?.pending.parameters.actions);
    this.succeed(ref, {
      ...(hash ? { plan_hash: hash } : {}),
      ...extra,
      decision,
      responder,
      answered_at: new Date().toISOString(),
    });
  }

  /** Like SendTaskSuccess: the state's result is `output`. */
  succeed(ref: string, output: unknown): void {
    const waiter = this.take(ref);
    waiter.resolve(output);
  }

  /** Like SendTaskFailure. */
  fail(ref: string, error: string, cause: string): void {
    const waiter = this.take(ref);
    waiter.reject(new InteractionFailure(error, cause));
  }

  /** Forgets an interaction whose state ended another way (its integration failed, the run was aborted). */
  cancel(id: string): void {
    const waiter = this.waiters.get(id);
    if (waiter?.timer) clearTimeout(waiter.timer);
    this.waiters.delete(id);
  }

  private find(ref: string): Waiter | undefined {
    return this.waiters.get(ref) ?? [...this.waiters.values()].find((w) => w.pending.taskToken === ref);
  }

  private take(ref: string): Waiter {
    const waiter = this.find(ref);
    if (!waiter) throw new UnknownInteractionError(ref);
    if (waiter.timer) clearTimeout(waiter.timer);
    this.waiters.delete(waiter.pending.id);
    return waiter;
  }
}
