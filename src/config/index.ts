// The config module's surface: what is written into a cluster directory (see DESIGN.md, "Cluster directory").
export {
  renderCluster,
  renderServerFiles,
  KEYFILE_MODE,
  CONFIG_MODE,
  SUPERVISOR_CONFIG_MODE,
  type RenderClusterOptions,
  type RenderServerOptions,
  type RenderedCluster,
} from './render.js';
export {
  renderServerConfig,
  serverConfigDocument,
  ephemeralParameters,
  SHUTDOWN_QUIESCE_MS,
  type ConfigDocument,
  type ServerConfigOptions,
} from './server-config.js';
export {
  supervisorModel,
  READY_LOG_ID,
  type ClusterBinaries,
  type ProgramModel,
  type GroupModel,
  type SupervisorMainModel,
  type SupervisorModel,
} from './supervisor-model.js';
export { writeClusterFiles, writeFileAtomic, type ClusterFiles, type RenderedFile } from './write.js';
