// Page-script build of lib/ehr for the injection tests: one agent per frame on window.__ehr.
import { EhrAgent } from '../../../extension/lib/ehr/agent.ts';

const w = window as unknown as { __ehr?: EhrAgent };
w.__ehr ??= new EhrAgent(window);
