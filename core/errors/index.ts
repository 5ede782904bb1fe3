export { LockstepError } from './lockstep-error';
export type { LockstepErrorOptions } from './lockstep-error';
export { RecordError } from './record-error';
