'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { graphSchema } from '@/engine/graph/model';
import { CodeEditor } from '../editor/CodeEditor';
import { useTRPC } from '../trpc';
import { Dialog } from '../ui/Dialog';
import { errorMessage } from '../ui/errors';
import { LoadState } from '../ui/ListStates';
import { formatDateTime, timeAgo } from '../ui/time';
import styles from './versions.module.css';

// React Flow is loaded only when a graph version is looked at (a code flow's editor rarely needs it).
const GraphPreview = dynamic(() => import('../canvas/GraphPreview'), {
  ssr: false,
  loading: () => <div className="placeholder">Drawing…</div>,
});

const ignore = () => {};

export type VersionsButtonProps = {
  flowName: string;
  /** The version the editor holds: a restore is based on it, so it is refused over a newer one. */
  heldVersion: number;
  unsaved: boolean;
  /** Called after a restore succeeded, before the page reloads at the new version (forget the draft). */
  onRestored?: () => void;
};

/** The toolbar's Versions button and its panel; the same for graph and code flows. */
export function VersionsButton(props: VersionsButtonProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)}>
        Versions
      </button>
      <Dialog
        open={open}
        title={`Versions of ${props.flowName}`}
        onClose={() => setOpen(false)}
        className={styles.dialog}
      >
        {/* Mounted only while open: each opening lists the versions afresh. */}
        <VersionsPanel {...props} onClose={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

export type ListedVersion = {
  version: number;
  kind: 'graph' | 'code';
  created_at: Date;
  author: string | null;
};

/** One entry of a list of versions: its number, kind, author and age. */
export function VersionSummary({ entry, latest }: { entry: ListedVersion; latest: boolean }) {
  return (
    <>
      <span className={styles.entryHead}>
        <strong>v{entry.version}</strong>
        <span className="badge">{entry.kind}</span>
        {latest && <span className={styles.latest}>latest</span>}
      </span>
      <span className={styles.entryMeta}>
        {entry.author ?? 'unknown'} ·{' '}
        <time dateTime={entry.created_at.toISOString()} title={formatDateTime(entry.created_at)}>
          {timeAgo(entry.created_at)}
        </time>
      </span>
    </>
  );
}

/** The versions, latest first, and the one selected, read-only, with Restore when it is not the latest. */
function VersionsPanel({
  flowName,
  heldVersion,
  unsaved,
  onRestored,
  onClose,
}: VersionsButtonProps & { onClose: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  // Asked afresh at each opening: a save or restore a moment ago (here or in another tab) must show.
  const versions = useQuery({
    ...trpc.flows.versions.queryOptions({ name: flowName }),
    refetchOnMount: 'always',
  });
  const [picked, setPicked] = useState<number | null>(null);
  const list: ListedVersion[] = versions.data ?? [];
  const latest = list[0]?.version;
  const selected = picked ?? latest;

  const restore = useMutation(
    trpc.flows.restore.mutationOptions({
      onSuccess: () => {
        onRestored?.();
        onClose();
        // The page renders the flow's latest version again, and the editor starts over from it (its key).
        router.refresh();
      },
    }),
  );
  const conflict = restore.error?.data?.code === 'CONFLICT';

  return (
    // nokey: React Flow's Delete and Backspace are document-wide; here they must not reach the editor's canvas.
    <div className={`nokey ${styles.panel}`}>
      <div className={styles.list}>
        <LoadState query={versions} noun="versions" />
        <ul aria-label="Versions">
          {list.map((entry) => (
            <li key={entry.version}>
              <button
                type="button"
                className={styles.entry}
                aria-current={entry.version === selected || undefined}
                data-testid="version-entry"
                onClick={() => {
                  restore.reset();
                  setPicked(entry.version);
                }}
              >
                <VersionSummary entry={entry} latest={entry.version === latest} />
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div className={styles.view}>
        {selected !== undefined && <VersionView key={selected} flowName={flowName} version={selected} />}
        {restore.error && (
          <p className="alert" role="alert">
            Not restored: {errorMessage(restore.error)}
            {conflict && (
              <>
                {' '}
                <button type="button" className="button button-small" onClick={() => router.refresh()}>
                  Reload
                </button>
              </>
            )}
          </p>
        )}
        <div className={styles.actions}>
          {selected !== undefined && selected !== latest && (
            <>
              <span className="muted">
                Restoring makes version {selected} the latest again, as version {(latest ?? 0) + 1}.
                {unsaved && ' Your unsaved changes are lost.'}
              </span>
              <button
                type="button"
                className="button button-primary"
                disabled={restore.isPending}
                onClick={() =>
                  restore.mutate({ name: flowName, version: selected, baseVersion: heldVersion })
                }
              >
                {restore.isPending ? 'Restoring…' : `Restore version ${selected}`}
              </button>
            </>
          )}
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}

/** One version, read-only: a graph as a drawing (or its compiled code), a code version as its code. */
export function VersionView({ flowName, version }: { flowName: string; version: number }) {
  const trpc = useTRPC();
  const found = useQuery(trpc.flows.version.queryOptions({ name: flowName, version }));
  const [show, setShow] = useState<'drawing' | 'code'>('drawing');
  if (!found.data) return <LoadState query={found} noun={`version ${version}`} />;
  const graph = found.data.kind === 'graph' ? graphSchema.safeParse(found.data.graph) : null;
  const code = found.data.code ?? '';
  const drawn = graph?.success && show === 'drawing';

  return (
    <div className={styles.version} data-testid="version-view">
      {graph && (
        <div role="tablist" aria-label="Show" className={styles.switch}>
          <button
            type="button"
            role="tab"
            aria-selected={show === 'drawing'}
            onClick={() => setShow('drawing')}
          >
            Drawing
          </button>
          <button type="button" role="tab" aria-selected={show === 'code'} onClick={() => setShow('code')}>
            Compiled code
          </button>
        </div>
      )}
      <div className={styles.frame}>
        {drawn ? (
          <GraphPreview graph={graph.data} />
        ) : graph && !graph.success && show === 'drawing' ? (
          <pre className={styles.json}>{JSON.stringify(found.data.graph, null, 2)}</pre>
        ) : (
          <CodeEditor
            path={`file:///versions/${encodeURIComponent(flowName)}.v${version}.ts`}
            value={code}
            onChange={ignore}
            onSave={ignore}
            serverError={null}
            label={`Code of version ${version}`}
            readOnly
          />
        )}
      </div>
    </div>
  );
}
