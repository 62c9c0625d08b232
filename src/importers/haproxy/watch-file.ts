/**
 * @module Calls back when one file changes, for `import haproxy --watch`. It watches the file's
 * directory, not the file: generators usually write a temporary file and rename it over the old
 * one, which a watch on the old file's inode would never see. Events are debounced (a generator
 * writing in several chunks triggers one import), and a rewrite with identical content is skipped,
 * so a cron job re-rendering the same file every minute costs nothing.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';

export interface FileWatch {
  close(): void;
}

export interface WatchOptions {
  readonly debounceMs: number;
  /** Content hash of the version already handled, so an untouched file does not fire. */
  readonly initialHash?: string | undefined;
  readonly onError?: (error: Error) => void;
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function watchFile(path: string, onChange: (text: string) => Promise<void>, options: WatchOptions): FileWatch {
  const full = resolve(path);
  const name = basename(full);
  let lastHash = options.initialHash;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const fire = async () => {
    let text: string;
    try {
      text = await readFile(full, 'utf8');
    } catch (error) {
      // Between a generator's unlink and rename the file is briefly gone; the rename fires again.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.onError?.(error as Error);
      return;
    }
    const hash = contentHash(text);
    if (hash === lastHash) return;
    lastHash = hash;
    await onChange(text);
  };
  const run = () => {
    // One import at a time; a change during an import runs one more afterwards.
    if (running !== undefined) {
      again = true;
      return;
    }
    running = fire()
      .catch((error: Error) => options.onError?.(error))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  };
  const watcher: FSWatcher = watch(dirname(full), (_event, changed) => {
    if (changed !== null && changed !== name) return;
    clearTimeout(timer);
    timer = setTimeout(run, options.debounceMs);
  });
  watcher.on('error', (error) => options.onError?.(error));
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
