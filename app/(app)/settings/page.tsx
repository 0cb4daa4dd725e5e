import type { Metadata } from 'next';
import { ApiTokenSettings } from '@/components/settings/ApiTokenSettings';

export const metadata: Metadata = { title: 'Settings' };

export default function SettingsPage() {
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Settings</h1>
          <p>Your account and access for scripts.</p>
        </div>
      </header>
      <ApiTokenSettings />
    </div>
  );
}
