export { ReplayProvider, type ReplayOptions, type ReplayStats } from './replay-provider';
export {
  RecordingWriter,
  parseRecordingLine,
  formatRecordingLine,
  type RecordedMessage,
  type RecordingLineResult,
  type RecordingWriterOptions,
} from './recording';
