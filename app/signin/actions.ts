'use server';

import { setUpFirstAdmin, type FirstAdminResult } from '@/server/setup/first-admin';

export async function createFirstAdminAction(input: {
  email: string;
  name: string;
  password: string;
}): Promise<FirstAdminResult> {
  // A server action's argument comes from the network: take only the three strings.
  return setUpFirstAdmin({
    email: String(input?.email ?? ''),
    name: String(input?.name ?? ''),
    password: String(input?.password ?? ''),
  });
}
