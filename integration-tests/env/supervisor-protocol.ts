/** Prefixes of the lines the supervisor prints on stdout for jest's global setup. */
export const SUPERVISOR_LINES = {
  progress: 'LOCKSTEP_SERVICES_PROGRESS ',
  ready: 'LOCKSTEP_SERVICES_READY ',
  failed: 'LOCKSTEP_SERVICES_FAILED ',
} as const;

/**
 * Environment variable holding the path of the supervisor's control socket (set by the global setup next to
 * `LOCKSTEP_TEST_SERVICES_JSON`), through which a test kills and starts services: see `service-control.ts`.
 */
export const SERVICES_CONTROL_ENV_VAR = 'LOCKSTEP_SERVICES_CONTROL';

/** Environment variable holding the supervisor's run folder (services' logs and data), set by the global setup. */
export const SERVICES_RUN_DIR_ENV_VAR = 'LOCKSTEP_SERVICES_RUN_DIR';

/** What the supervisor can do to one service through its control socket (`POST /services/<name>/<action>`). */
export const SERVICE_ACTIONS = ['kill', 'start'] as const;
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];

/** The READY line's payload. */
export interface SupervisorReady {
  readonly services: unknown;
  readonly runDir: string;
  /** Path of the control socket (an HTTP server on a unix socket). */
  readonly control: string;
}
