// A progress indicator on stderr: one updating line on a TTY, a line every 10% otherwise.

/** Progress of one phase (e.g. "produce") towards a known total. */
export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #started = performance.now();
  #lastDraw = 0;
  #lastDecile = 0;
  #done = 0;

  constructor(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#total = total;
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
  }

  /** Records that `done` of the total are complete. */
  update(done: number): void {
    this.#done = done;
    if (this.#tty) {
      const now = performance.now();
      if (now - this.#lastDraw >= 100 || done >= this.#total) {
        this.#lastDraw = now;
        this.#stream.write(`\r\x1b[2K${this.#line()}`);
      }
      return;
    }
    const decile = Math.floor((done * 10) / this.#total);
    if (decile > this.#lastDecile) {
      this.#lastDecile = decile;
      this.#stream.write(`${this.#line()}\n`);
    }
  }

  /** Ends the TTY line, so that later output starts on a fresh one. */
  finish(): void {
    if (this.#tty) {
      this.#stream.write(`\r\x1b[2K${this.#line()}\n`);
    }
  }

  #line(): string {
    const pct = Math.floor((this.#done * 100) / this.#total);
    const secs = (performance.now() - this.#started) / 1000;
    const rate = secs > 0 ? Math.round(this.#done / secs) : 0;
    const width = 30;
    const filled = Math.round((width * this.#done) / this.#total);
    const bar = `${"#".repeat(filled)}${".".repeat(width - filled)}`;
    return `${this.#label.padEnd(8)} [${bar}] ${String(pct).padStart(3)}% ${this.#done}/${this.#total} ${rate} msg/s`;
  }
}
