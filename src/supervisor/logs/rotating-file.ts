// A child log file with supervisord's rotation (loggers.py RotatingFileHandler): every write goes
// straight to the file, and right after a write that brings the size to maxBytes or more the file
// is rotated (f.N-1 → f.N … f → f.1, then f truncated). Files can therefore exceed maxBytes by up
// to one chunk, exactly like supervisord's.

import { closeSync, existsSync, fstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';

export class RotatingLogFile {
  #fd: number | undefined;
  #size = 0;

  /**
   * @param path the log file; opened for append.
   * @param maxBytes rotate when the file reaches this size; 0 never rotates.
   * @param backups how many rotated files to keep (`f.1` newest); 0 truncates instead.
   */
  constructor(
    readonly path: string,
    readonly maxBytes: number,
    readonly backups: number,
  ) {}

  get isOpen(): boolean {
    return this.#fd !== undefined;
  }

  /** Current size as this writer knows it (the file offset of the next byte). */
  get size(): number {
    return this.#size;
  }

  /** Opens (or re-opens) the file in append mode, creating it if needed. */
  open(): void {
    this.close();
    this.#fd = openSync(this.path, 'a');
    this.#size = fstatSync(this.#fd).size;
  }

  write(data: Uint8Array): void {
    if (this.#fd === undefined) this.open();
    let off = 0;
    while (off < data.length) off += writeSync(this.#fd!, data, off, data.length - off);
    this.#size += data.length;
    if (this.maxBytes > 0 && this.#size >= this.maxBytes) this.rollover();
  }

  rollover(): void {
    this.close();
    if (this.backups > 0) {
      for (let i = this.backups - 1; i >= 1; i--) {
        const src = `${this.path}.${i}`;
        if (existsSync(src)) renameQuiet(src, `${this.path}.${i + 1}`);
      }
      renameQuiet(this.path, `${this.path}.1`);
    }
    this.#fd = openSync(this.path, 'w');
    this.#size = 0;
  }

  /** supervisord's `clearProcessLogs`: delete the file and start a new empty one (backups stay). */
  clear(): void {
    const wasOpen = this.isOpen;
    this.close();
    try {
      unlinkSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (wasOpen) this.open();
    else this.#size = 0;
  }

  close(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }
}

function renameQuiet(src: string, dst: string): void {
  try {
    renameSync(src, dst);
  } catch (e) {
    // The source may have been removed by someone else (a cleanup script); supervisord ignores that.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
