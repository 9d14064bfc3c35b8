import { ensureMicPermission } from '../../lib/ui/permission.ts';

const result = document.getElementById('result');
document.getElementById('ask')?.addEventListener('click', () => {
  void ensureMicPermission().then((r) => {
    if (result) result.textContent = r.ok ? 'Microphone allowed. You can close this tab and start the visit.' : 'Microphone access was not allowed. Use the camera/microphone icon in the address bar to allow it.';
  });
});
