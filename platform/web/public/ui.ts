// Small DOM helpers shared by the views: element builder, icons, toasts and bottom sheets.
import { ApiError, NetworkError } from './api.ts';

type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

/** Builds an element: `on*` attributes become listeners, booleans toggle, children are nodes or text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

/** An icon from the sprite in index.html. */
export function icon(name: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', `icon icon-${name}`);
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS(SVG, 'use');
  use.setAttribute('href', `#i-${name}`);
  svg.append(use);
  return svg;
}

/** 1234 → "1.2K", as counts are shown on the rail. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, '')}K`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;

/** Shows a message at the bottom for a few seconds; an ApiError shows its server message. */
export function toast(message: string | unknown): void {
  const text =
    typeof message === 'string'
      ? message
      : message instanceof ApiError
        ? message.serverMessage
        : message instanceof NetworkError
          ? 'The network is unavailable; try again.'
          : 'Something went wrong.';
  const el = document.getElementById('toast')!;
  el.textContent = text;
  el.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('show'), 3200);
}

/** A bottom sheet over the feed; closing it removes it. */
export interface Sheet {
  el: HTMLElement;
  body: HTMLElement;
  close(): void;
}

/** Opens a sheet with a title; tapping the backdrop or pressing Escape closes it. */
export function openSheet(title: string, onClose?: () => void): Sheet {
  const body = h('div', { class: 'sheet-body' });
  const panel = h(
    'section',
    { class: 'sheet', role: 'dialog', 'aria-label': title },
    h('header', {}, h('h2', {}, title), h('button', { class: 'sheet-close', 'aria-label': 'Close' }, '×')),
    body,
  );
  const el = h('div', { class: 'backdrop' }, panel);
  const close = () => {
    el.remove();
    document.removeEventListener('keydown', onKey);
    onClose?.();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') close();
  };
  el.addEventListener('click', (e) => {
    if (e.target === el) close();
  });
  panel.querySelector('.sheet-close')!.addEventListener('click', close);
  document.addEventListener('keydown', onKey);
  document.body.append(el);
  requestAnimationFrame(() => el.classList.add('open'));
  return { el, body, close };
}
