/** Prefixes of the lines the supervisor prints on stdout for jest's global setup. */
export const SUPERVISOR_LINES = {
  progress: 'LOCKSTEP_SERVICES_PROGRESS ',
  ready: 'LOCKSTEP_SERVICES_READY ',
  failed: 'LOCKSTEP_SERVICES_FAILED ',
} as const;
