import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Providers } from '@/components/providers';
import { THEME_SCRIPT } from '@/components/ui/theme-script';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Flowline', template: '%s · Flowline' },
  description: 'Visual, low-code automation in the browser',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The head script sets <html data-theme> before React hydrates: the attribute is meant to differ.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
