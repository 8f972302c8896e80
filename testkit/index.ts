/** Helpers for supervision tests against a running DataService (see README, "Testing"). */
export { ProviderScript, ScriptedProvider, type ScriptedCall, type ScriptedMethod } from './scripted-provider';
export { EnvelopeRecorder, isMessage, isNotice, waitForEnvelope, waitUntil } from './wait';
