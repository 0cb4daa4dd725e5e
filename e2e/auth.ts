import { expect, type Page } from '@playwright/test';

/**
 * The administrator every browser test signs in as. e2e/00-foundation.spec.ts runs first (files run
 * in name order in one worker) and creates it through the set-up page; other specs call
 * signInAsAdmin(), which also creates it when their file runs alone.
 */
export const testAdmin = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' };

export async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto('/signin');
  const setUp = page.getByRole('heading', { name: 'Set up Flowline' });
  const signIn = page.getByRole('heading', { name: 'Sign in' });
  await expect(setUp.or(signIn)).toBeVisible();
  if (await setUp.isVisible()) {
    await page.getByLabel('Your name').fill(testAdmin.name);
    await page.getByLabel('Email').fill(testAdmin.email);
    await page.getByLabel('Password', { exact: true }).fill(testAdmin.password);
    await page.getByLabel('Repeat password').fill(testAdmin.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await expect(page.getByRole('status')).toContainText('created');
  }
  await page.getByLabel('Email').fill(testAdmin.email);
  await page.getByLabel('Password').fill(testAdmin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/flows$/);
}
