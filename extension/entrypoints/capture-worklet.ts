import { registerCaptureProcessor } from '../lib/audio/processor.ts';

// Loaded with audioWorklet.addModule() by the offscreen document.
export default defineUnlistedScript(() => registerCaptureProcessor());
