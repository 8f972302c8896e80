/** What both entry points (Node and browser) export besides `connect`. */
export { TesseraClient } from './client';
export type { ClientEvents, ConnectOptions, ReconnectInfo, ReconnectOptions } from './options';
export { Subscription, type SubscriptionOptions } from './subscription';
export { Channel, type ChannelOptions, type Outgoing } from './channel';
export { ClientError, errorCode, type ClientErrorCode } from './errors';
export { standardTransport, withTokenParam, type Transport, type TransportEvents, type TransportFactory, type TransportOptions } from './transport';
export type { ClientMessage, Gap, Position } from './messages';
export type * from './protocol';
export type { ExplainResult, ServiceStats, ProviderStats, SessionStats, SessionTotals, StreamStats, RouterStats, ProviderState, OverflowPolicy } from '../common/service-types';
export type { JsonValue } from '../common/json';
