// Public surface of the supervisord INI module: read (load/parse) and write (render) supervisord
// config exactly as supervisord 4.2.5 reads it.
export { loadSupervisorConfig, parseSupervisorConfig, findDependencyCycle, type LoadOptions } from './load.js';
export {
  renderIni,
  quoteCommandArg,
  type IniFileSpec,
  type SupervisordSpec,
  type InetHttpServerSpec,
  type UnixHttpServerSpec,
  type SupervisorctlSpec,
  type GroupSpec,
  type ProgramSpec,
  type ExtraSectionSpec,
} from './render.js';
export * from './model.js';
export { parseReadySpec, formatReadySpec } from './extensions.js';
export { shlexSplit, parseEnvironment, ShlexError } from './shlex.js';
export { pythonFormat, PythonFormatError } from './python-format.js';
export { IniStore, type IniSection, type IniValue } from './ini-parser.js';
export {
  parseBoolean,
  parseByteSize,
  formatByteSize,
  parseSignal,
  signalName,
  parseInetAddress,
  parseAutoRestart,
  ValueTypeError,
  type AutoRestart,
  type LogLevelName,
} from './value-types.js';
