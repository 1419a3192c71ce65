import type { Rule } from '../rule';
import { gatewayNotFound } from './gatewayNotFound';
import { tlsMatchPortNotOnGateway } from './tlsMatchPort';
import { selectorMatchesNoGateway } from './selectorNoWorkload';
import { passthroughOnNonTlsPort } from './passthroughProtocol';
import { crossNetworkPortMismatch } from './crossNetworkPort';
import { passthroughNotRouted } from './passthroughNotRouted';
import { hostNotInGateway } from './hostNotInGateway';
import { conflictingGateways } from './conflictingGateways';

/** Gateways and the VirtualServices bound to them (MESH401–MESH408). */
export const GATEWAY_RULES: readonly Rule[] = [
  gatewayNotFound,
  tlsMatchPortNotOnGateway,
  selectorMatchesNoGateway,
  passthroughOnNonTlsPort,
  crossNetworkPortMismatch,
  passthroughNotRouted,
  hostNotInGateway,
  conflictingGateways,
];
