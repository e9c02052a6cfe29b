// pmon, the agent's process monitor: what the agent imports.

export {
  parsePmonConf,
  PMON_DEFAULTS,
  type PmonConf,
  type PmonSeverity,
  type ParseResult,
} from './domain/conf.ts';
export { startPmon, PROCESS_ALARM_ID, type Pmon, type PmonOptions, type PmonProcessStatus } from './pmon.ts';
