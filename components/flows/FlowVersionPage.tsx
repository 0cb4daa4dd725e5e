'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '../trpc';
import { LoadState } from '../ui/ListStates';
import { VersionSummary, VersionView } from './VersionsButton';
import styles from './versions.module.css';

/**
 * A flow's version as it was saved, read-only (the page an execution's "v2" opens), with every version
 * of the flow to move between. Restoring one is the editor's Versions panel's work.
 */
export function FlowVersionPage({ flowName, version }: { flowName: string; version: number }) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.flows.versions.queryOptions({ name: flowName }));
  const list = versions.data ?? [];
  const latest = list[0]?.version;
  const flowPath = `/flows/${encodeURIComponent(flowName)}`;

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link href="/flows">Flows</Link> / <Link href={flowPath}>{flowName}</Link> /
          </div>
          <h1>
            {flowName} · version {version}
          </h1>
          <p data-testid="version-note">
            Read-only: this version as it was saved, as its runs ran it.
            {latest !== undefined && latest !== version && ` The latest version is ${latest}.`}
            {latest === version && ' It is the latest version.'}
          </p>
        </div>
        <div className={styles.actions}>
          <Link className="button" href={`/executions?flow=${encodeURIComponent(flowName)}`}>
            Runs of this flow
          </Link>
          <Link className="button button-primary" href={flowPath}>
            Open in the editor
          </Link>
        </div>
      </header>

      <section className={`card card-body ${styles.panel}`}>
        <nav className={styles.list} aria-label="Versions">
          <LoadState query={versions} noun="versions" />
          <ul>
            {list.map((entry) => (
              <li key={entry.version}>
                <Link
                  className={styles.entry}
                  href={`${flowPath}/versions/${entry.version}`}
                  aria-current={entry.version === version ? 'page' : undefined}
                  data-testid="version-entry"
                >
                  <VersionSummary entry={entry} latest={entry.version === latest} />
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className={styles.view}>
          <VersionView key={version} flowName={flowName} version={version} />
        </div>
      </section>
    </div>
  );
}
