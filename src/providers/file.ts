/**
 * @module The file provider: Traefik's dynamic configuration as one YAML or TOML file, flattened
 * to the same keys a store holds. Watched by default: an edit applies without a restart; a file
 * that no longer parses keeps the last good configuration and is logged with the reason.
 *
 * The directory is watched, not the file, because editors and config managers replace files by
 * rename, which a watch on the old inode would miss.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { flattenTree, parseConfigFile } from '../config/file-tree.ts';
import type { ConfigProvider, ProviderUpdate } from './provider.ts';

export interface FileProviderOptions {
  readonly filename: string;
  readonly watch: boolean;
  /** Quiet time after the last change before re-reading (a save often is several writes). */
  readonly debounceMs: number;
  readonly logger: Logger;
}

export class FileProvider implements ConfigProvider {
  readonly name = 'file';
  readonly root: string;
  readonly #options: FileProviderOptions;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #revision = 0;
  #lastText: string | undefined;

  constructor(options: FileProviderOptions) {
    this.#options = options;
    this.root = options.filename;
  }

  async start(onUpdate: (update: ProviderUpdate) => void): Promise<void> {
    await this.#load(onUpdate);
    if (!this.#options.watch) return;
    const name = basename(this.#options.filename);
    this.#watcher = watch(dirname(this.#options.filename), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.#load(onUpdate), this.#options.debounceMs);
    });
    this.#watcher.on('error', (error) => this.#options.logger.error({ err: error, file: this.#options.filename }, 'file provider: watch failed'));
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#watcher?.close();
  }

  /** Reads and parses once: what `switchyard check` uses. Throws a ConfigKeyError on a bad file. */
  async read(): Promise<ProviderUpdate> {
    const text = await readFile(this.#options.filename, 'utf8');
    return { entries: flattenTree(parseConfigFile(text, this.#options.filename), this.root), revision: this.#revision + 1 };
  }

  async #load(onUpdate: (update: ProviderUpdate) => void): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#options.filename, 'utf8');
    } catch (error) {
      this.#options.logger.error({ err: error, file: this.#options.filename }, 'file provider: cannot read the file; keeping the last good configuration');
      return;
    }
    if (text === this.#lastText) return;
    let entries: Array<[string, string]>;
    try {
      entries = flattenTree(parseConfigFile(text, this.#options.filename), this.root);
    } catch (error) {
      const e = error as { code?: string; message: string };
      this.#options.logger.error({ code: e.code, file: this.#options.filename, error: e.message }, 'file provider: the file does not parse; keeping the last good configuration');
      return;
    }
    this.#lastText = text;
    this.#revision += 1;
    onUpdate({ entries, revision: this.#revision });
  }
}
