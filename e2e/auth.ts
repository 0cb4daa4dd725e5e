import { expect, request, type APIRequestContext, type Browser, type Page } from '@playwright/test';

/** The one administrator of the browser tests' fresh database, shared by every spec. */
export const admin = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' };

/**
 * Signs in as the administrator, creating it first when the installation is still fresh (a spec may run
 * before the one that walks through the set-up).
 */
export async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto('/signin');
  const setUp = page.getByRole('heading', { name: 'Set up Flowline' });
  await expect(setUp.or(page.getByRole('heading', { name: 'Sign in' }))).toBeVisible();
  if (await setUp.isVisible()) {
    await page.getByLabel('Your name').fill(admin.name);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password', { exact: true }).fill(admin.password);
    await page.getByLabel('Repeat password').fill(admin.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    // Creating the administrator signs them in.
    await expect(page).toHaveURL(/\/flows$/);
    return;
  }
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/flows$/);
}

/**
 * A REST client with a new API token of the administrator's, made the way a user makes one: signed in,
 * through the app's own tRPC procedure. Outside the page Playwright sends no Origin of its own, and the
 * app refuses a session request that changes something without one (server/auth/same-origin.ts).
 */
export async function apiAsAdmin(
  browser: Browser,
  baseURL: string,
  tokenName: string,
): Promise<APIRequestContext> {
  const page = await browser.newPage();
  await signInAsAdmin(page);
  const created = await page.request.post('/api/trpc/apiTokens.create', {
    headers: { origin: new URL(baseURL).origin },
    data: { json: { name: tokenName } },
  });
  expect(created.ok()).toBe(true);
  const token = (await created.json()).result.data.json.token as string;
  await page.close();
  return request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
}
