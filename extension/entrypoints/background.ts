import { startBackground } from '../lib/background/index.ts';

export default defineBackground(() => startBackground());
