import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ForyouClient } from '../platform/client/index.ts';
import { launchChromium } from '../platform/web/testing/chromium.ts';

/**
 * Opens the demo feed in headless Chromium signed in as `login`, waits until the first video
 * plays, opens its "why this video" panel and writes a PNG to `path`. Returns the panel's text.
 */
export async function screenshotDemoFeed(
  base: string,
  path: string,
  login: { handle: string; password: string },
): Promise<string> {
  const session = await new ForyouClient({ baseUrl: base }).login(login.handle, login.password);
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.addInitScript((s) => {
      localStorage.setItem('foryou.session', JSON.stringify({ token: s.token, user: s.user, expiresAt: s.expires_at }));
    }, session);
    await page.goto(base);
    await page.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>('.item.active video');
        return !!v && v.readyState >= 2 && v.currentTime > 0.3;
      },
      undefined,
      { timeout: 30_000 },
    );
    await page.click('.item.active .rail-btn.why');
    const panel = page.locator('.item.active .why-panel');
    await panel.waitFor({ state: 'visible', timeout: 5_000 });
    const text = (await panel.textContent()) ?? '';
    mkdirSync(dirname(path), { recursive: true });
    await page.screenshot({ path });
    return text;
  } finally {
    await browser.close();
  }
}
