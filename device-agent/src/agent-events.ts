import type {
  Ack,
  CommandRequest,
  EventEnvelope,
  KioskActionEvent,
  KioskEvent,
  KioskSession,
  RpcResponse,
  StaffState,
} from '@bashgah/protocol';
import type { EventBus } from './event-bus.js';
import type { PrinterEvents } from './hardware/printer/index.js';
import type { CardReaderEvents } from './hardware/reader/card-reader.js';

type CheckinEvent = Extract<KioskEvent, { type: 'checkin' }>;
type ClaimEvent = Extract<KioskEvent, { type: 'claim' }>;

/**
 * Everything that travels on the agent's bus. A mapped copy of the reader's interface is needed
 * because an interface has no implicit index signature and EventBus wants a record type.
 */
export type AgentEvents = { [K in keyof CardReaderEvents]: CardReaderEvents[K] } & PrinterEvents & {
    /** The MQTT link came up (true) or went down (false). */
    'link.online': boolean;
    'link.ack': Ack;
    'link.rpcResponse': RpcResponse;
    /** A valid command from the server on this device's `cmd` topic. */
    'link.command': CommandRequest;
    /** The kiosk UI should reload itself (operator's reload-ui command). */
    'ui.reload': undefined;
    /** Maintenance mode or pushed settings changed: the kiosk needs the whole state again. */
    'kiosk.changed': undefined;
    /** An outbox row left the outbox on the server's ack. */
    'sync.acked': { ack: Ack; envelope: EventEnvelope };
    session: KioskSession;
    checkin: CheckinEvent;
    claim: ClaimEvent;
    /** A survey answer's or staff action's progress (queued, then the server's verdict). */
    action: KioskActionEvent;
    /** Staff mode opened, asked for a PIN, or closed. */
    staff: StaffState;
  };

export type AgentBus = EventBus<AgentEvents>;
