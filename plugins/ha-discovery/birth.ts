/**
 * Runs `action` once after a random delay of up to `maxDelayMs`, however many times it is asked meanwhile:
 * Home Assistant's documentation asks publishers to answer its birth message after a random delay, so that
 * a restarting Home Assistant is not flooded by every publisher at once.
 */
export class DelayedOnce {
  readonly #maxDelayMs: number;
  readonly #action: () => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(maxDelayMs: number, action: () => void) {
    this.#maxDelayMs = maxDelayMs;
    this.#action = action;
  }

  /** Schedules the action unless it is already pending; returns whether it scheduled it. */
  request(): boolean {
    if (this.#timer) return false;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#action();
    }, Math.floor(Math.random() * (this.#maxDelayMs + 1)));
    return true;
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
