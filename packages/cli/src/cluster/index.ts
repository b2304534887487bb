/** `k3 cluster`: distributed mode as local processes (docs/design/distributed-execution.md). */
export { clusterUp, type ClusterArgs, type ClusterIO } from './cluster-command.ts';
export { startLocalCluster, type LocalCluster, type LocalClusterOptions } from './local-cluster.ts';
export { startChildService, type ChildService, type ChildServiceSpec } from './child-service.ts';
