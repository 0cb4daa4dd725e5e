'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { StatusBadge } from '../executions/Badges';
import { useTRPC } from '../trpc';
import { EmptyState, LoadState } from '../ui/ListStates';
import { timeAgo } from '../ui/time';
import { EnabledSwitch } from './EnabledSwitch';
import styles from './triggers.module.css';

const REFRESH_MS = 5000;

/** Every webhook of every flow's current version: its URL, flow, state and last calls. */
export function WebhookList() {
  const trpc = useTRPC();
  const webhooks = useQuery({ ...trpc.triggers.webhooks.queryOptions(), refetchInterval: REFRESH_MS });
  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Webhooks</h1>
          <p>URLs that start a flow when called: each webhook node of a graph flow&apos;s current version.</p>
        </div>
      </header>
      <section className="card" aria-label="Webhooks">
        <LoadState query={webhooks} noun="webhooks" />
        {webhooks.data?.length === 0 && (
          <EmptyState title="No webhooks yet">
            Add a <strong>Webhook</strong> node to a graph flow, name it, enable it and save: a call to{' '}
            <code>/api/latest/webhook/&lt;name&gt;/call</code> starts the flow with the request as its input,
            and answers with the flow&apos;s result.
          </EmptyState>
        )}
        {webhooks.data && webhooks.data.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th>Webhook</th>
                <th>Flow</th>
                <th>State</th>
                <th>Last calls</th>
              </tr>
            </thead>
            <tbody>
              {webhooks.data.map((hook) => (
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
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
