'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import {
  ApiIcon,
  ClockIcon,
  ConnectionsIcon,
  ExecutionsIcon,
  FlowsIcon,
  SettingsIcon,
  WebhookIcon,
} from '../ui/icons';

const links = [
  { href: '/flows', label: 'Flows', Icon: FlowsIcon },
  { href: '/executions', label: 'Executions', Icon: ExecutionsIcon },
  { href: '/connections', label: 'Connections', Icon: ConnectionsIcon },
  { href: '/webhooks', label: 'Webhooks', Icon: WebhookIcon },
  { href: '/schedules', label: 'Schedules', Icon: ClockIcon },
  { href: '/api-docs', label: 'REST API', Icon: ApiIcon },
  { href: '/settings', label: 'Settings', Icon: SettingsIcon },
];

export function NavLinks() {
  const pathname = usePathname();
  return (
    <nav className="nav" aria-label="Main">
      {links.map(({ href, label, Icon }) => {
        const active = pathname === href || pathname.startsWith(`${href}/`);
        return (
          <Link key={href} href={href} aria-current={active ? 'page' : undefined}>
            <Icon />
            {label}
          </Link>
        );
      })}
    </nav>
  );
}
