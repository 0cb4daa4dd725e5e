'use client';

import { useRouter } from 'next/navigation';
import { ChangePasswordForm } from './ChangePasswordForm';

/** Before anything else, a user signed in with a temporary password chooses their own. */
export function PasswordChangeRequired() {
  const router = useRouter();
  return (
    <div className="page">
      <section className="card" aria-labelledby="choose-password-title" style={{ maxWidth: 520 }}>
        <div className="card-header">
          <div>
            <h1 id="choose-password-title">Choose your password</h1>
            <p>You signed in with a temporary password. Replace it to continue.</p>
          </div>
        </div>
        <div className="card-body">
          <ChangePasswordForm onChanged={() => router.refresh()} />
        </div>
      </section>
    </div>
  );
}
