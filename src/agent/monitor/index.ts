// The agent's host monitors (resources, links) and the alarm sink they and pmon report through.

export {
  alarmKey,
  memoryAlarmSink,
  restAlarmSink,
  type AgentAlarm,
  type AlarmSink,
  type MemoryAlarmSink,
  type RestAlarmSink,
} from './alarm-sink.ts';
export {
  DEFAULT_RESOURCE_THRESHOLDS,
  startResourceMonitor,
  type ResourceMonitor,
  type ResourceMonitorOptions,
  type ResourceSample,
  type ResourceThresholds,
} from './resources.ts';
export {
  readLinkState,
  startInterfaceMonitor,
  type InterfaceMonitor,
  type MonitoredInterface,
} from './interfaces.ts';
