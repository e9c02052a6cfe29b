// The one interface maintenance uses to reach a host's board management controller, whatever the
// protocol: StarlingX's bm_type (ipmi | redfish | dynamic) and the operations mtce and hwmond need.

export type BmcType = 'ipmi' | 'redfish' | 'dynamic';

export interface BmcTarget {
  type: BmcType;
  /**
   * StarlingX's bm_ip: `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. Redfish also
   * takes an explicit `http://` or `https://` prefix. Default ports: IPMI 623/udp, Redfish 443 (https)
   * or 80 (http).
   */
  address: string;
  username: string;
  password: string;
}

export type PowerState = 'on' | 'off';

/** `off` and `reset` are hard (immediate); `soft-off` and `graceful-restart` ask the OS first. */
export type PowerAction = 'on' | 'off' | 'soft-off' | 'cycle' | 'reset' | 'graceful-restart';

export const POWER_ACTIONS: readonly PowerAction[] = [
  'on',
  'off',
  'soft-off',
  'cycle',
  'reset',
  'graceful-restart',
];

export type SensorKind = 'temperature' | 'fan' | 'voltage' | 'power' | 'current' | 'other';

/** Severity as hwmond reports it: ipmitool's nc / cr / nr and Redfish's thresholds map to minor / major / critical. */
export type SensorStatus = 'ok' | 'minor' | 'major' | 'critical' | 'unknown';

export interface BmcSensor {
  name: string;
  kind: SensorKind;
  /** null when the BMC has no reading (sensor absent, disabled, or the host is off). */
  reading: number | null;
  /** ipmitool's spelling for both protocols: `degrees C`, `RPM`, `percent`, `Volts`, `Watts`, `Amps`. */
  units: string;
  status: SensorStatus;
}

export interface BmcDriver {
  readonly type: 'ipmi' | 'redfish';
  powerState(): Promise<PowerState>;
  /** Returns once the BMC accepted the request; the host may take longer to get there (a cycle). */
  power(action: PowerAction): Promise<void>;
  sensors(): Promise<BmcSensor[]>;
}

export interface BmcConnectOptions {
  /** Bound on each BMC exchange (one HTTP request, one ipmitool run). Default 10 s. */
  timeoutMs?: number;
  /** Default /usr/bin/ipmitool. */
  ipmitoolPath?: string;
  /** Scheme for a Redfish address without one. Default https, as StarlingX; the lab's emulators use http. */
  redfishScheme?: 'http' | 'https';
  /** Accept a self-signed (untrusted) certificate from a Redfish BMC. Default false. */
  allowSelfSigned?: boolean;
}

export const DEFAULT_BMC_TIMEOUT_MS = 10_000;
