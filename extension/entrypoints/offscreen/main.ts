import { startOffscreen } from '../../lib/offscreen/index.ts';

startOffscreen();
