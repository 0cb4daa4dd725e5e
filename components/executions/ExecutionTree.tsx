import Link from 'next/link';
import { StatusBadge } from './Badges';
import styles from './executions.module.css';
import { typeLabel } from './labels';
import { elapsedMs, formatDuration } from './format';

export type TreeNode = {
  id: string;
  type: string;
  name: string;
  status: string;
  parent_id: string | null;
  started_at: string | null;
  ended_at: string | null;
};

/** The whole tree from its root, each node linking to its execution; the one on screen is marked. */
export function ExecutionTree({
  nodes,
  currentId,
  now,
}: {
  nodes: readonly TreeNode[];
  currentId: string;
  now: number | null;
}) {
  const children = new Map<string | null, TreeNode[]>();
  const ids = new Set(nodes.map((node) => node.id));
  for (const node of nodes) {
    // A node whose parent is not in the list (should not happen in one tree) still shows, at the top.
    const parent = node.parent_id !== null && ids.has(node.parent_id) ? node.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), node]);
  }

  const renderLevel = (parent: string | null) => {
    const level = children.get(parent);
    if (!level?.length) return null;
    return (
      <ul className={parent === null ? styles.tree : undefined}>
        {level.map((node) => {
          const duration = elapsedMs(node.started_at, node.ended_at, now);
          const current = node.id === currentId;
          return (
            <li key={node.id}>
              <div
                className={`${styles.treeNode} ${current ? styles.treeCurrent : ''}`}
                data-testid="tree-node"
                aria-current={current ? 'true' : undefined}
              >
                <StatusBadge status={node.status} />
                <Link href={`/executions/${node.id}`}>{node.name}</Link>
                <span className={styles.treeType}>{typeLabel(node.type)}</span>
                {duration !== null && (
                  <span className={styles.treeTime}>
                    {formatDuration(duration)}
                    {node.ended_at ? '' : ' so far'}
                  </span>
                )}
              </div>
              {renderLevel(node.id)}
            </li>
          );
        })}
      </ul>
    );
  };

  return <nav aria-label="Execution tree">{renderLevel(null)}</nav>;
}
