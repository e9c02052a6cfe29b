// The software version every part reports (sysinv's software_version).
export const SOFTWARE_VERSION = '0.1';

/** The service user agents log in as (project `services`). */
export const AGENT_USER = 'starling-agent';
