'use server';

import { setUpFirstAdmin, type FirstAdminInput, type FirstAdminResult } from '@/server/setup/first-admin';

export async function createFirstAdminAction(input: FirstAdminInput): Promise<FirstAdminResult> {
  // A server action's argument comes from the network: take only the four strings.
  return setUpFirstAdmin({
    email: String(input?.email ?? ''),
    name: String(input?.name ?? ''),
    password: String(input?.password ?? ''),
    confirm: String(input?.confirm ?? ''),
  });
}
