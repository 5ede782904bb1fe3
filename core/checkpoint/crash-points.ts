/**
 * Fail points for crash tests: `LOCKSTEP_CRASH_POINTS=after-checkpoint-saved@3,during-commit@2` makes the process
 * SIGKILL itself the 3rd time it reaches `after-checkpoint-saved` (and so on). Without the variable this is a no-op,
 * read once at start. It lets a test crash the engine exactly where recovery is hardest: after a checkpoint became
 * durable but before (or while) its transactions were committed, or — for sinks without commits (idempotent writes)
 * — after a writer flushed everything of a checkpoint but before it acknowledged the barrier (`after-sink-flush`).
 */
const points = parse(process.env.LOCKSTEP_CRASH_POINTS);
const hits = new Map<string, number>();

function parse(spec: string | undefined): Map<string, number> {
  const result = new Map<string, number>();
  for (const part of (spec ?? '').split(',')) {
    const [name, count] = part.trim().split('@');
    if (name && count && Number(count) > 0) result.set(name, Number(count));
  }
  return result;
}

/** Names of the crash points the engine offers. */
export type CrashPointName = 'after-checkpoint-saved' | 'during-commit' | 'after-sink-flush';

/** Kills this process (SIGKILL, no cleanup) when `name` was armed for this hit. */
export function crashPoint(name: CrashPointName): void {
  const target = points.get(name);
  if (target === undefined) return;
  const count = (hits.get(name) ?? 0) + 1;
  hits.set(name, count);
  if (count === target) process.kill(process.pid, 'SIGKILL');
}
