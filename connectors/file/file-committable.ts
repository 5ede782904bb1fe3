/**
 * A pre-committed part file: committing it renames `pendingPath` (in the hidden `.pending` folder) to `finalPath`.
 * Absolute paths, so any process can commit it from the checkpoint record.
 */
export interface FileCommittable {
  readonly pendingPath: string;
  readonly finalPath: string;
}
