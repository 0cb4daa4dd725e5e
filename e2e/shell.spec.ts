import { expect, test } from '@playwright/test';
import { signInAsAdmin } from './auth';

test('every page has an icon: no request of a page load answers 404', async ({ page }) => {
  const missing: string[] = [];
  page.on('response', (response) => {
    if (response.status() === 404) missing.push(response.url());
  });
  await signInAsAdmin(page);
  await page.goto('/flows');
  await expect(page.getByRole('heading', { name: 'Flows', exact: true })).toBeVisible();
  const href = await page.locator('link[rel="icon"]').first().getAttribute('href');
  expect(href).toMatch(/^\/icon\.svg/);
  const icon = await page.request.get(href!);
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toContain('image/svg+xml');
  // The browser fetches the icon on its own, but not necessarily before this point: ask like it does.
  const favicon = await page.request.get('/favicon.ico');
  expect(favicon.status()).not.toBe(404);
  expect(missing).toEqual([]);
});

test('theme: System follows the system, Light and Dark override it, remembered without a flash', async ({
  page,
}) => {
  // Records the theme the page had when its body began: before any of the app's scripts ran.
  await page.addInitScript(() => {
    new MutationObserver((_changes, observer) => {
      if (!document.body) return;
      (window as unknown as { themeAtFirstBody: string }).themeAtFirstBody =
        document.documentElement.dataset.theme ?? 'none';
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  });
  await page.emulateMedia({ colorScheme: 'dark' });
  await signInAsAdmin(page);
  const html = page.locator('html');
  const theme = page.getByRole('group', { name: 'Theme' });
  await expect(theme.getByRole('radio', { name: 'System' })).toBeChecked();
  await expect(html).toHaveAttribute('data-theme', 'dark');

  await theme.getByRole('radio', { name: 'Light' }).check();
  await expect(html).toHaveAttribute('data-theme', 'light');
  const lightBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  await theme.getByRole('radio', { name: 'Dark' }).check();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: 'tmp/dark.png' });
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(
    lightBackground,
  );

  // A light system does not override the choice, after a reload either, and from the first paint.
  await page.emulateMedia({ colorScheme: 'light' });
  await page.reload();
  await expect(theme.getByRole('radio', { name: 'Dark' })).toBeChecked();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  expect(
    await page.evaluate(() => (window as unknown as { themeAtFirstBody: string }).themeAtFirstBody),
  ).toBe('dark');

  await theme.getByRole('radio', { name: 'System' }).check();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(html).toHaveAttribute('data-theme', 'dark');
});

test('a missing page: one message inside the app frame, with ways on', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAsAdmin(page);
  for (const address of ['/flows/no-such-flow', '/no-such-page']) {
    await page.goto(address);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await expect(page.getByTestId('signed-in-user')).toBeVisible();
    // The app's own sidebar is the only logo: no second card inside the frame.
    await expect(page.locator('.brand-mark:visible')).toHaveCount(1);
    const ways = page.getByRole('navigation', { name: 'Where to go instead' });
    await expect(ways.getByRole('link')).toHaveText(['Flows', 'Executions', 'Connections']);
  }
  await page.screenshot({ path: 'tmp/not-found.png' });
  await page
    .getByRole('navigation', { name: 'Where to go instead' })
    .getByRole('link', { name: 'Executions' })
    .click();
  await expect(page).toHaveURL(/\/executions$/);
});

test('a phone-wide screen: the sidebar folds behind a menu button and the page starts at the top', async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signInAsAdmin(page);
  const heading = page.getByRole('heading', { name: 'Flows', exact: true });
  await expect(heading).toBeVisible();
  const box = (await heading.boundingBox())!;
  expect(box.x).toBeLessThan(40);
  expect(box.y).toBeLessThan(120);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeHidden();
  await page.screenshot({ path: 'tmp/narrow-closed.png' });

  const menu = page.getByRole('button', { name: 'Menu' });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expect(nav).toBeVisible();
  await page.screenshot({ path: 'tmp/narrow-open.png' });
  await nav.getByRole('link', { name: 'Executions' }).click();
  await expect(page).toHaveURL(/\/executions$/);
  await expect(nav).toBeHidden();
});
