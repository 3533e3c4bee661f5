// The debug overlay: startup latency of what is on screen and of the session, rendition, buffer,
// events and the versions that served the page. Opened with ?debug=1 or the "d" key.
import type { EventBatcher } from './events.ts';
import type { Feed } from './feed.ts';

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Shows and refreshes the overlay while it is open. */
export function initDebug(el: HTMLElement, feed: Feed, events: EventBatcher): void {
  let timer: ReturnType<typeof setInterval> | undefined;
  const render = () => {
    const cur = feed.current();
    const st = cur?.player.stats();
    const ff = feed.firstFrames;
    const lines = [
      `item      #${cur?.index ?? '-'} ${cur?.item.id ?? ''}`,
      `state     ${cur?.player.state ?? '-'}${cur?.player.error ? ` (${cur.player.error})` : ''}`,
      `1st frame ${cur?.player.firstFrameMs ?? '…'} ms`,
      `median    ${median(ff) ?? '-'} ms over ${ff.length}`,
      `rendition ${st?.level ?? '-'}`,
      `buffer    ${st?.bufferAheadS ?? 0} s ahead, ${st?.dropped ?? 0} dropped`,
      `events    ${events.sent} sent, ${events.failed} failed`,
      `request   ${feed.pageMeta.requestId ?? '-'}`,
      `model     ${feed.pageMeta.modelVersion ?? '-'} / index ${feed.pageMeta.indexVersion ?? '-'}`,
    ];
    el.textContent = lines.join('\n');
  };
  const set = (open: boolean) => {
    el.hidden = !open;
    clearInterval(timer);
    if (open) {
      render();
      timer = setInterval(render, 500);
    }
  };
  set(new URLSearchParams(location.search).get('debug') === '1');
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    if (e.key === 'd' && !t.closest('input, textarea') && !e.ctrlKey && !e.metaKey) set(el.hidden);
  });
}
