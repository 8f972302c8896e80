/** Linking service nodes over NATS (see README.md in this folder). */
export { ClusterNode, type ClusterNodeOptions, type ClusterStats } from './node';
export { readNatsConfig, parseServers, defaultNodeName, NATS_DEFAULTS, type NatsConfig, type ImportConfig, type NatsConfigContext } from './config';
export { ImportedProvider, type ImportOptions } from './importer';
export type { ExporterStats } from './exporter';
export type { LeaseInfo } from './leases';
export { subjectsOf, streamToken, streamOfToken } from './subjects';
