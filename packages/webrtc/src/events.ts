/**
 * Events of the W3C objects. Listeners run inside a guard: one that throws is reported (under
 * `NODE_DEBUG=x:webrtc` and to {@link setListenerErrorHandler}) and never breaks the stack or
 * the other listeners (mediasoup's `safeEmit`), unlike Node's EventTarget, which turns a
 * throwing listener into an uncaught exception.
 */
import { debuglog } from 'node:util';

const log = debuglog('x:webrtc');

let reportListenerError: (error: unknown, type: string) => void = (error, type) =>
  log(
    'a "%s" listener threw: %s',
    type,
    error instanceof Error ? (error.stack ?? error.message) : error,
  );

/** Replaces where errors thrown by event listeners are reported (default: the debug log). */
export function setListenerErrorHandler(handler: (error: unknown, type: string) => void): void {
  reportListenerError = handler;
}

type EventListener = (event: Event) => void;
/** A listener of a {@link SafeEventTarget}: a function or an object with `handleEvent`. */
export type SafeEventListener = ((event: Event) => void) | { handleEvent(event: Event): void };
/** The options of `addEventListener` (`once`, `passive`, `signal`, `capture`). */
export type SafeAddEventListenerOptions = Parameters<EventTarget['addEventListener']>[2];
/** The options of `removeEventListener` (`capture`). */
export type SafeRemoveEventListenerOptions = Parameters<EventTarget['removeEventListener']>[2];

/**
 * An `EventTarget` whose listeners cannot break it, with the `on<event>` handler attributes
 * that browser code expects. The base of every event target of this package: a listener that
 * throws is reported (see {@link setListenerErrorHandler}), never thrown into the stack.
 */
export class SafeEventTarget extends EventTarget {
  readonly #wrapped = new WeakMap<object, Map<string, EventListener>>();

  override addEventListener(
    type: string,
    listener: SafeEventListener | null,
    options?: SafeAddEventListenerOptions,
  ): void {
    if (listener === null) return;
    let byType = this.#wrapped.get(listener);
    if (!byType) {
      byType = new Map();
      this.#wrapped.set(listener, byType);
    }
    let guard = byType.get(type);
    if (!guard) {
      guard = (event: Event) => {
        try {
          if (typeof listener === 'function') listener.call(this, event);
          else listener.handleEvent(event);
        } catch (error) {
          reportListenerError(error, type);
        }
      };
      byType.set(type, guard);
    }
    super.addEventListener(type, guard, options);
  }

  override removeEventListener(
    type: string,
    listener: SafeEventListener | null,
    options?: SafeRemoveEventListenerOptions,
  ): void {
    if (listener === null) return;
    const guard = this.#wrapped.get(listener)?.get(type);
    if (guard) super.removeEventListener(type, guard, options);
  }
}

const handlers = new WeakMap<
  object,
  Map<string, { fn: ((event: Event) => unknown) | null; listener: EventListener }>
>();

/**
 * Defines the `on<type>` attribute on a prototype: setting it replaces the previous handler,
 * `null` removes it, and it runs in the order it was first set among the listeners.
 */
export function defineEventHandler(prototype: SafeEventTarget, type: string): void {
  Object.defineProperty(prototype, `on${type}`, {
    configurable: true,
    enumerable: true,
    get(this: SafeEventTarget) {
      return handlers.get(this)?.get(type)?.fn ?? null;
    },
    set(this: SafeEventTarget, fn: ((event: Event) => unknown) | null) {
      let byType = handlers.get(this);
      if (!byType) {
        byType = new Map();
        handlers.set(this, byType);
      }
      let entry = byType.get(type);
      if (!entry) {
        const created = {
          fn: null as ((event: Event) => unknown) | null,
          listener: (event: Event) => void created.fn?.call(this, event),
        };
        entry = created;
        byType.set(type, entry);
        this.addEventListener(type, entry.listener);
      }
      entry.fn = typeof fn === 'function' ? fn : null;
    },
  });
}
