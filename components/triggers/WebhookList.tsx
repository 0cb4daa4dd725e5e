'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { StatusBadge } from '../executions/Badges';
import { useTRPC } from '../trpc';
import { timeAgo } from '../ui/time';
import { EnabledSwitch } from './EnabledSwitch';
import { TRIGGER_PAGE_REFRESH_MS, TriggerPage } from './TriggerPage';
import styles from './triggers.module.css';

/** Every webhook of every flow's current version: its URL, flow, state and last calls. */
export function WebhookList() {
  const trpc = useTRPC();
  const webhooks = useQuery({
    ...trpc.triggers.webhooks.queryOptions(),
    refetchInterval: TRIGGER_PAGE_REFRESH_MS,
  });
  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  return (
    <TriggerPage
      title="Webhooks"
      description={
        <>URLs that start a flow when called: each webhook node of a graph flow&apos;s current version.</>
      }
      query={webhooks}
      noun="webhooks"
      empty={{
        title: 'No webhooks yet',
        body: (
          <>
            Add a <strong>Webhook</strong> node to a graph flow, name it, enable it and save: a call to{' '}
            <code>/api/latest/webhook/&lt;name&gt;/call</code> starts the flow with the request as its input,
            and answers with the flow&apos;s result.
          </>
        ),
      }}
      columns={['Webhook', 'Flow', 'State', 'Last calls']}
      row={(hook) => (
        <tr key={hook.name} data-testid="webhook-row">
          <td className="name-cell">
            <strong>{hook.name}</strong>
            <div>
              <code>{`${origin}${hook.path}`}</code>{' '}
              <button
                type="button"
                className="button button-ghost button-small"
                onClick={() => void navigator.clipboard?.writeText(`${origin}${hook.path}`)}
              >
                Copy
              </button>
            </div>
            <div className="muted">
              {hook.methods.join(' ')} · {hook.keyed ? 'needs its key' : 'no key'}
              {hook.async ? ' · answers at once (202)' : ''}
              {hook.productive ? '' : ' · dev mode'}
            </div>
          </td>
          <td>
            <Link href={`/flows/${encodeURIComponent(hook.flow)}`}>{hook.flow}</Link>
            <div className="muted">node {hook.nodeId}</div>
          </td>
          <td>
            <EnabledSwitch
              flow={hook.flow}
              node={hook.nodeId}
              enabled={hook.enabled}
              label={`Webhook ${hook.name}`}
            />
          </td>
          <td>
            {hook.lastCalls.length === 0 ? (
              <span className="muted">No calls yet.</span>
            ) : (
              <ul className={styles.runs} data-testid="webhook-calls">
                {hook.lastCalls.map((call) => (
                  <li key={call.id}>
                    <Link href={`/executions/${call.id}`}>
                      <StatusBadge status={call.status} />
                    </Link>{' '}
                    <span className="muted">{timeAgo(call.created_at)}</span>
                  </li>
                ))}
              </ul>
            )}
          </td>
        </tr>
      )}
    />
  );
}
