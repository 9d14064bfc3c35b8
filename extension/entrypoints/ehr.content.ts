import browser from 'webextension-polyfill';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { EhrAgent, isEhrMessage } from '../lib/ehr/agent.ts';

/**
 * The EHR writer. Not in the manifest (`registration: 'runtime'`, no `matches`, so no host
 * permission is added): the background injects it on demand into the tab the clinician chose,
 * under activeTab, with
 *   chrome.scripting.executeScript({ target: { tabId, allFrames: true }, files: ['content-scripts/ehr.js'] })
 * and talks to each frame with chrome.tabs.sendMessage(tabId, msg, { frameId }).
 * Injecting twice is harmless: the second run finds the agent already listening.
 */
export default defineContentScript({
  registration: 'runtime',
  main() {
    const g = globalThis as { __scribeEhrAgent?: EhrAgent };
    if (g.__scribeEhrAgent !== undefined) return;
    const agent = new EhrAgent(window);
    g.__scribeEhrAgent = agent;
    // Only our own extension can message a content script (no externally_connectable); the id
    // check is the signal. Messages that are not ehr.* are left for other listeners.
    browser.runtime.onMessage.addListener((raw: unknown, sender: browser.Runtime.MessageSender) => {
      if (sender.id !== browser.runtime.id || !isEhrMessage(raw)) return undefined;
      return agent.handle(raw);
    });
  },
});
