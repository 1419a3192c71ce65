import type { Rule } from '../rule';
import { ambientEastWestGatewayClass } from './ambientEastWestGatewayClass';
import { conflictingGateways } from './conflictingGateways';
import { crossNetworkPortMismatch } from './crossNetworkPort';
import { gatewayNotFound } from './gatewayNotFound';
import { hostNotInGateway } from './hostNotInGateway';
import { httpRoutesOnPassthroughGateway } from './httpRoutesOnPassthroughGateway';
import { passthroughNotRouted } from './passthroughNotRouted';
import { passthroughOnNonTlsPort } from './passthroughProtocol';
import { selectorMatchesNoGateway } from './selectorNoWorkload';
import { tlsMatchPortNotOnGateway } from './tlsMatchPort';

/** Gateways and the VirtualServices bound to them (MESH401–MESH410). */
export const GATEWAY_RULES: readonly Rule[] = [
  gatewayNotFound,
  tlsMatchPortNotOnGateway,
  selectorMatchesNoGateway,
  passthroughOnNonTlsPort,
  crossNetworkPortMismatch,
  passthroughNotRouted,
  hostNotInGateway,
  conflictingGateways,
  httpRoutesOnPassthroughGateway,
  ambientEastWestGatewayClass,
];
