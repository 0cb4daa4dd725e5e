'use client';

import { useState, type DragEvent } from 'react';
import { nodeTypes } from '@/engine/nodes';
import type { NodeCategory } from '@/engine/nodes/types';
import { PALETTE_DRAG_TYPE } from './Canvas';
import { NodeIcon } from './NodeIcon';
import styles from './canvas.module.css';

const CATEGORIES: readonly NodeCategory[] = ['Triggers', 'Steps', 'Logic'];

/**
 * The node types of the registry, by category, with a search box. A type is added by dragging it onto
 * the canvas, or by double-click or Enter (then it lands in the middle of the view).
 */
export function Palette({ onAdd }: { onAdd: (type: string) => void }) {
  const [query, setQuery] = useState('');
  const words = query.trim().toLowerCase();
  const shown = nodeTypes.filter((definition) =>
    `${definition.title} ${definition.type} ${definition.description}`.toLowerCase().includes(words),
  );
  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(PALETTE_DRAG_TYPE, type);
    event.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <aside className={styles.palette} aria-label="Node types">
      <input
        className="input"
        type="search"
        placeholder="Search nodes"
        aria-label="Search nodes"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
      />
      {CATEGORIES.map((category) => {
        const items = shown.filter((definition) => definition.category === category);
        if (items.length === 0) return null;
        return (
          <section key={category} className={styles.paletteGroup}>
            <h3>{category}</h3>
            <ul>
              {items.map((definition) => (
                <li key={definition.type}>
                  <button
                    type="button"
                    className={styles.paletteItem}
                    draggable
                    onDragStart={(event) => onDragStart(event, definition.type)}
                    onDoubleClick={() => onAdd(definition.type)}
                    onKeyDown={(event) => {
                      if (event.key === 'Enter') {
                        event.preventDefault();
                        onAdd(definition.type);
                      }
                    }}
                    title={`${definition.description}. Drag onto the canvas, or double-click.`}
                    data-testid={`palette-${definition.type}`}
                  >
                    <span className={styles.nodeIcon}>
                      <NodeIcon name={definition.icon} />
                    </span>
                    <span className={styles.paletteText}>
                      <strong>{definition.title}</strong>
                      <span>{definition.description}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
      {shown.length === 0 && <p className="muted">No node type matches.</p>}
    </aside>
  );
}
