/**
 * A durable {@link Persistence} on SQLite (better-sqlite3): the objects of a cluster, one row per
 * object, and the global revision. The store keeps everything in memory and hands this backend
 * each event-loop turn's writes; `commit` writes them in one transaction before returning, so a
 * write the API server has acknowledged (it awaits `Store.flush()`) is on disk.
 *
 * Durability: WAL journal with `synchronous=NORMAL` by default. A committed transaction has been
 * written to the WAL file with write(2) before `commit` returns, so it survives the process being
 * killed at any moment (SIGKILL, OOM kill, a crash): the kernel holds the pages and the next open
 * replays the WAL. What NORMAL does not promise is surviving a power loss or kernel crash, where
 * the last transactions since the previous checkpoint's fsync may be lost; `synchronous: 'FULL'`
 * fsyncs the WAL on every commit for that, at the cost of one fsync per event-loop turn.
 *
 * The database is opened in exclusive locking mode: a second process opening the same file (two
 * `everynode up` on one data dir) fails at once instead of both writing. The lock is released when
 * the process ends, however it ends.
 *
 * Schema (version 1, in `PRAGMA user_version`):
 *   objects(type TEXT, key TEXT, revision INTEGER, body TEXT, PRIMARY KEY(type, key))
 *   meta(name TEXT PRIMARY KEY, value INTEGER) — `revision` is the store's global revision.
 * `type` is the store's `resource.group` key, `key` is `namespace/name` or `name`, `body` the
 * object's JSON. Only the current state is kept: the watch window lives in memory, so after a
 * restart a watch from an older revision is Expired (410) and the client re-lists.
 */
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { KubeObject } from '../api/resources.js';
import type { PersistedChange, PersistedState, Persistence } from './persistence.js';

export interface SqlitePersistenceOptions {
  /** The database file; its directory must exist. Created (mode 0600) when missing. */
  readonly path: string;
  /** `NORMAL` (default) survives process kills; `FULL` also survives power loss. See the file comment. */
  readonly synchronous?: 'NORMAL' | 'FULL';
}

const SCHEMA_VERSION = 1;

/** Raised when the database cannot be used: locked by another process, or a newer schema. */
export class StateDatabaseError extends Error {
  override readonly name = 'StateDatabaseError';
}

interface ObjectRow {
  readonly type: string;
  readonly body: string;
}

export class SqlitePersistence implements Persistence {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement<[string, string, number, string]>;
  private readonly remove: Database.Statement<[string, string]>;
  private readonly setRevision: Database.Statement<[number]>;
  private readonly writeBatch: (changes: readonly PersistedChange[], revision: number) => void;

  constructor(options: SqlitePersistenceOptions) {
    this.path = options.path;
    closeSync(openSync(options.path, 'a', 0o600)); // SQLite gives its WAL the main file's mode
    // timeout 0: a database held by another process is an immediate, explained error, not a wait.
    this.db = new Database(options.path, { timeout: 0 });
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
      this.migrate();
    } catch (err) {
      this.db.close();
      if ((err as { code?: unknown }).code === 'SQLITE_BUSY') {
        throw new StateDatabaseError(
          `state database ${options.path} is in use by another process (is another everynode running on this data dir?)`,
        );
      }
      throw err;
    }
    this.upsert = this.db.prepare(
      `INSERT INTO objects (type, key, revision, body) VALUES (?, ?, ?, ?)
       ON CONFLICT (type, key) DO UPDATE SET revision = excluded.revision, body = excluded.body`,
    );
    this.remove = this.db.prepare('DELETE FROM objects WHERE type = ? AND key = ?');
    this.setRevision = this.db.prepare(
      `INSERT INTO meta (name, value) VALUES ('revision', ?)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    );
    this.writeBatch = this.db.transaction((changes: readonly PersistedChange[], revision: number) => {
      for (const c of lastChangePerObject(changes)) {
        if (c.object === undefined) this.remove.run(c.type, c.key);
        else this.upsert.run(c.type, c.key, c.revision, JSON.stringify(c.object));
      }
      this.setRevision.run(revision);
    });
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StateDatabaseError(
        `state database ${this.path} has schema version ${version}; this everynode understands up to ${SCHEMA_VERSION}`,
      );
    }
    if (version === SCHEMA_VERSION) return;
    this.db.exec(`
      BEGIN IMMEDIATE;
      CREATE TABLE IF NOT EXISTS objects (
        type TEXT NOT NULL,
        key TEXT NOT NULL,
        revision INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (type, key)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      PRAGMA user_version = ${SCHEMA_VERSION};
      COMMIT;
    `);
  }

  /**
   * Every stored object and the revision. The revision is never below an object's revision (a
   * defence against a hand-edited database: a resourceVersion must never be handed out twice).
   */
  load(): PersistedState {
    const rows = this.db.prepare('SELECT type, body FROM objects ORDER BY type, key').all() as ObjectRow[];
    const objects = rows.map((r) => ({ type: r.type, object: JSON.parse(r.body) as KubeObject }));
    const meta = this.db.prepare("SELECT value FROM meta WHERE name = 'revision'").get() as
      { value: number } | undefined;
    const maxObject = this.db.prepare('SELECT MAX(revision) AS m FROM objects').get() as { m: number | null };
    return { revision: Math.max(meta?.value ?? 0, maxObject.m ?? 0), objects };
  }

  /** Writes the batch in one transaction; durable (per `synchronous`) when it returns. */
  commit(changes: readonly PersistedChange[], revision: number): void {
    this.writeBatch(changes, revision);
  }

  /** Closes the database (SQLite checkpoints the WAL into the main file). Idempotent. */
  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** A batch may write one object several times (create, then status); only the last state matters. */
function lastChangePerObject(changes: readonly PersistedChange[]): PersistedChange[] {
  const last = new Map<string, PersistedChange>();
  for (const c of changes) {
    const id = `${c.type}\u0000${c.key}`;
    last.delete(id); // keep batch order of the final writes
    last.set(id, c);
  }
  return [...last.values()];
}
