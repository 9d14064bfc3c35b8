import browser from 'webextension-polyfill';

/** Tabs currently playing audio (ids only: we hold no `tabs` permission, so no titles/URLs). */
export async function audibleTabs(): Promise<{ id: number; label: string }[]> {
  const found = await browser.tabs.query({ audible: true });
  return found.flatMap((t) => (t.id === undefined ? [] : [{ id: t.id, label: `Tab playing audio (#${t.id})` }]));
}

/**
 * A tab-capture stream id for the chosen tab, made here in an extension page: with cross-origin
 * isolation on, an id made in the service worker fails in the offscreen document (NOTES.md).
 */
export async function tabStreamId(choice: 'active' | number): Promise<{ ok: true; streamId: string } | { ok: false }> {
  try {
    let tabId = choice;
    if (tabId === 'active') {
      const [active] = await browser.tabs.query({ active: true, currentWindow: true });
      if (active?.id === undefined) return { ok: false };
      tabId = active.id;
    }
    const streamId = await chrome.tabCapture.getMediaStreamId({ targetTabId: tabId });
    return typeof streamId === 'string' && streamId.length > 0 ? { ok: true, streamId } : { ok: false };
  } catch {
    return { ok: false };
  }
}
