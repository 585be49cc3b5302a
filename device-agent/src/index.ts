export { type AgentTiming, type RunningAgent, type StartAgentDeps, startAgent } from './agent.js';
export type { AgentBus, AgentEvents } from './agent-events.js';
export { type AgentConfig, ConfigError, loadAgentConfig } from './config.js';
export { DEFAULT_ENV_FILE, ENROL_USAGE, EnrolError, enrol, enrolCli } from './enrol.js';
export { EventBus } from './event-bus.js';
export type { CardReader, CardReaderEvents, Tap } from './hardware/reader/card-reader.js';
export { type ReaderEventSink, SimReader } from './hardware/reader/sim-reader.js';
export { hashPin, verifyPin } from './staff/pin.js';
