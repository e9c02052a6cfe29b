// BMC access for maintenance: connectBmc picks the driver from StarlingX's bm_type. `dynamic`
// probes like mtce does (Redfish service root first, then IPMI) and keeps Redfish when both answer.
// Drivers only fail with BMC_UNREACHABLE / BMC_AUTH_FAILED / BMC_ERROR; the caller raises 200.010.

import { StarlingError, isStarlingError } from '../../common/errors.ts';
import { connectIpmi } from './ipmi.ts';
import { connectRedfish, probeRedfish, redfishClient } from './redfish.ts';
import type { BmcConnectOptions, BmcDriver, BmcTarget } from './types.ts';

export * from './types.ts';
export { parseBmcAddress } from './address.ts';

/**
 * Connects and checks the credentials (one authenticated exchange), so a wrong password fails here.
 * Each exchange is bounded by opts.timeoutMs; `dynamic` may spend it twice (Redfish, then IPMI).
 */
export async function connectBmc(target: BmcTarget, opts: BmcConnectOptions = {}): Promise<BmcDriver> {
  switch (target.type) {
    case 'redfish':
      return connectRedfish(target, opts);
    case 'ipmi':
      return connectIpmi(target, opts);
    case 'dynamic':
      return connectDynamic(target, opts);
    default:
      throw new StarlingError(
        'VALIDATION_FAILED',
        `bm_type must be ipmi, redfish or dynamic, got '${String(target.type)}'`,
        { field: 'bm_type' },
      );
  }
}

async function connectDynamic(target: BmcTarget, opts: BmcConnectOptions): Promise<BmcDriver> {
  let root;
  try {
    root = await probeRedfish(redfishClient(target, opts));
  } catch (e) {
    // 401 on the service root: a Redfish service that wants credentials even there, and refuses ours.
    if (!isStarlingError(e) || e.code === 'BMC_AUTH_FAILED' || e.code === 'VALIDATION_FAILED') throw e;
    return connectIpmiAfter(e, target, opts);
  }
  // A Redfish service answered: it is the BMC's interface from now on, wrong password included.
  return connectRedfish(target, opts, root);
}

async function connectIpmiAfter(
  redfish: StarlingError,
  target: BmcTarget,
  opts: BmcConnectOptions,
): Promise<BmcDriver> {
  try {
    return await connectIpmi(target, opts);
  } catch (e) {
    if (!isStarlingError(e) || e.code !== 'BMC_UNREACHABLE') throw e;
    // Neither answered: say why for both; a Redfish service that answered wrongly (a certificate, a
    // broken root) is an error rather than silence.
    const code = redfish.code === 'BMC_ERROR' ? 'BMC_ERROR' : 'BMC_UNREACHABLE';
    throw new StarlingError(
      code,
      `BMC ${target.address} answers neither Redfish (${redfish.message}) nor IPMI (${e.message})`,
      { cause: e },
    );
  }
}
