/**
 * Account statements of MariaDB, and CREATE/DROP DATABASE on both engines, commit on their own:
 * a request that changes several things cannot be one transaction. `withUndo` runs `work`, which
 * registers how to take back each change it made; if `work` fails, the registered undos run in
 * reverse order (each one's failure ignored: the first error is what the caller needs) and the
 * error is rethrown. So a request either does everything or, as far as the engine lets us, nothing.
 */
export type Undo = (action: () => Promise<unknown>) => void;

export async function withUndo<T>(work: (undo: Undo) => Promise<T>): Promise<T> {
  const undos: (() => Promise<unknown>)[] = [];
  try {
    return await work((action) => undos.push(action));
  } catch (err) {
    for (const action of undos.reverse()) await action().catch(() => undefined);
    throw err;
  }
}
