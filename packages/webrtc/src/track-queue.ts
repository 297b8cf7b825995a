/**
 * The async iterators of a remote track ({@link MediaStreamTrack.frames} and
 * {@link MediaStreamTrack.rtp}): one bounded queue per reader, filled from the connection's
 * packet and timer handling and drained by the reader's `for await`. Filling never runs user
 * code (a waiting reader is resumed through its promise), so a reader may call anything.
 */

/** A queue that a producer pushes to and one `for await` reader drains. */
export class TrackQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private done = false;
  /** Items dropped because the reader fell `capacity` items behind (the oldest go first). */
  dropped = 0;

  constructor(
    private readonly capacity: number,
    private readonly onReturn: (queue: TrackQueue<T>) => void,
  ) {}

  /** Hands one item to the reader (dropping the oldest when the queue is full). */
  push(item: T): void {
    if (this.done) return;
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      waiting({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.capacity) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push(item);
  }

  /** The track ended: the reader gets what is queued, then the end. */
  end(): void {
    if (this.done) return;
    this.done = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    if (this.waiting !== undefined)
      return Promise.reject(new TypeError('a track iterator is read by one reader at a time'));
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** `break` out of `for await`: the reader leaves, the queue is forgotten. */
  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    this.onReturn(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
