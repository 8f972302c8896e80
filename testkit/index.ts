/** Helpers for testing providers and supervision (see README, "Testing"), exported by the package. */
export { ProviderScript, ScriptedProvider, type ScriptedCall, type ScriptedMethod } from './scripted-provider';
export { EnvelopeRecorder, isMessage, isNotice, waitForEnvelope, waitUntil } from './wait';
export { CaptureContext, type CaptureContextOptions, type CapturedEmit, type CapturedEvent } from './capture-context';
export { ManualClock, type ManualClockOptions } from './manual-clock';
export { ContinuityChecker, type ContinuityFinding, type ContinuityOptions, type ObservedMessage, type StreamPosition } from './continuity';
export { DelegatingWorker } from './delegating-worker';
