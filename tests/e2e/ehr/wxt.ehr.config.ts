// The real extension build (root wxt.config.ts), written to a private directory so the EHR e2e
// run does not replace .output/chrome-mv3 while other suites use it.
import base from '../../../wxt.config.ts';

export default { ...base, outDir: process.env.EHR_BUILD_DIR ?? '/tmp/scribe-ehr-build' };
