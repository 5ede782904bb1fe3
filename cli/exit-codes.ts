/** Exit codes of the `lockstep` command: 0 ok, 1 failed, 2 invalid input (config or usage). */
export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;
