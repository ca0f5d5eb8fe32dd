/** BuildOps: every list endpoint of docs/sources.md as loader resources, from the API or a file export. */
export { createBuildOpsApiResources, createBuildOpsFileResources, DEFAULT_LAG_MINUTES, DEFAULT_TIME_ZONE } from './resources.ts';
export type { BuildOpsApiResourceOptions, BuildOpsFileResourceOptions, BuildOpsState } from './resources.ts';
export { BuildOpsClient } from './api-client.ts';
export type { BuildOpsClientOptions, BuildOpsPage } from './api-client.ts';
export { BUILDOPS_ENDPOINTS, BUILDOPS_ENDPOINT_SPECS, STANDARD_PAGING, endpointSpec } from './endpoints.ts';
export type { EndpointSpec, PagingSpec } from './endpoints.ts';
