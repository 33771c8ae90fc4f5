/**
 * The engine in a dedicated module worker: a thin message switch over one EngineSession (src/engine), which the
 * harness page drives too. See src/engine/protocol.ts for the messages.
 */
import { EngineSession } from '../engine/engine-session.ts';
import type { EngineEvent, EngineRequest } from '../engine/protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: EngineEvent) => scope.postMessage(e);
const session = new EngineSession(post);

scope.addEventListener('message', (ev: MessageEvent<EngineRequest>) => void session.handle(ev.data, post));
