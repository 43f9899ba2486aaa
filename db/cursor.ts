// pg-cursor, made to give up when its connection dies. Out of the box a read in flight or a close
// can wait for ever on a connection PostgreSQL has dropped (close() waits for a ReadyForQuery that
// never comes; a read issued as the connection goes can miss the error): the stream that owns the
// cursor (Kysely's `.stream()`, an export) then never releases its pooled connection, and every
// PostgreSQL restart during exports would leak connections until the pool is empty.
import type { EventEmitter } from "node:events";
import Cursor from "pg-cursor";

interface CursorConnection extends EventEmitter {
  stream?: { destroyed?: boolean };
}

const lostError = () => new Error("Connection terminated unexpectedly");

export class ResilientCursor<Row = unknown> extends Cursor<Row> {
  private get connectionOrNull(): CursorConnection | null {
    return (this as unknown as { connection?: CursorConnection }).connection ?? null;
  }

  override read(rowCount: number): Promise<Row[]>;
  override read(rowCount: number, callback: Cursor.ResultCallback<Row>): undefined;
  override read(rowCount: number, callback?: Cursor.ResultCallback<Row>): Promise<Row[]> | undefined;
  override read(rowCount: number, callback?: Cursor.ResultCallback<Row>): Promise<Row[]> | undefined {
    if (callback) return super.read(rowCount, callback); // only the promise form is guarded (Kysely uses it)
    return this.untilLost(super.read(rowCount), () => Promise.reject(lostError()));
  }

  override close(): Promise<void>;
  override close(callback: (err: Error) => void): undefined;
  override close(callback?: (err: Error) => void): Promise<void> | undefined;
  override close(callback?: (err: Error) => void): Promise<void> | undefined {
    const connection = this.connectionOrNull;
    // Already gone: there is no portal left to close.
    const closing = connection?.stream?.destroyed ? Promise.resolve() : this.untilLost(super.close(), () => Promise.resolve());
    if (!callback) return closing;
    closing.then(() => callback(undefined as unknown as Error), callback);
    return undefined;
  }

  /** `work`, or `onLost()` if the connection ends first. */
  private untilLost<T>(work: Promise<T>, onLost: () => Promise<T>): Promise<T> {
    const connection = this.connectionOrNull;
    if (!connection) return work;
    if (connection.stream?.destroyed) {
      work.catch(() => undefined);
      return onLost();
    }
    return new Promise<T>((resolve, reject) => {
      const lost = () => {
        work.catch(() => undefined);
        onLost().then(resolve, reject);
      };
      connection.once("end", lost);
      work.then(
        (value) => {
          connection.off("end", lost);
          resolve(value);
        },
        (error: unknown) => {
          connection.off("end", lost);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
