import { createPodPair, ifindexOf, type PodPair } from '../helpers/netns.js';
import { NativeSession, type SessionConfig } from '../../src/native/binding.js';
import { RecordCollector, TEST_SESSION } from './record-collector.js';

export interface CaptureFixture {
  pair: PodPair;
  session: NativeSession;
  collector: RecordCollector;
  ifindexA: number;
  ifindexB: number;
}

/** A pod pair with a session attached to both host-side veths; everything released afterwards. */
export async function withCapture<T>(config: Partial<SessionConfig>, body: (fixture: CaptureFixture) => Promise<T>): Promise<T> {
  const pair = createPodPair();
  let session: NativeSession | undefined;
  let collector: RecordCollector | undefined;
  try {
    session = NativeSession.open({ ...TEST_SESSION, ...config });
    const ifindexA = ifindexOf(pair.hostIfA);
    const ifindexB = ifindexOf(pair.hostIfB);
    session.attach(ifindexA);
    session.attach(ifindexB);
    collector = new RecordCollector(session);
    return await body({ pair, session, collector, ifindexA, ifindexB });
  } finally {
    await collector?.stop();
    session?.close();
    pair.cleanup();
  }
}

export const MODES = ['tracer', 'base'] as const;
