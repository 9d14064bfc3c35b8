import type { ErrorCode } from '../../../shared/messages.ts';

/** Code → the plain sentence a clinician reads. Content never appears in these. */
export const ERROR_TEXT: Record<ErrorCode, string> = {
  bad_message: 'Internal error: a message between parts of the extension was malformed.',
  untrusted_sender: 'A request from outside the extension was refused.',
  unknown_command: 'Internal error: that action is not available here.',
  handler_failed: 'Something went wrong. What was captured so far is kept.',
  no_receiver: 'The capture engine is not responding. Try again.',
  mic_permission_denied: 'Microphone access was denied. Allow the microphone for Scribe and start again; anything already captured is kept.',
  mic_not_found: 'No microphone was found. Connect one and start again.',
  mic_ended: 'The microphone stopped (unplugged or disabled). Audio captured before that is kept.',
  tab_capture_failed: 'Could not capture the call tab’s audio. Check that the call tab is open and try again.',
  tab_ended: 'The call tab was closed or stopped sharing audio. Audio captured before that is kept.',
  audio_context_failed: 'Audio processing could not start in this browser.',
  already_recording: 'A visit is already being recorded.',
  not_recording: 'No visit is being recorded.',
  offscreen_failed: 'The capture engine could not start.',
  timeout: 'The capture engine took too long to answer.',
};
