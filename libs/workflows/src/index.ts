/** Pure XState machines and policy tables (no I/O, no timers, no Nest): filled by the incident and continuity issues. */
export const WORKFLOWS_VERSION = 1;
