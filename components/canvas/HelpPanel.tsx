'use client';

import { Dialog } from '../ui/Dialog';
import styles from './canvas.module.css';

export const SHORTCUTS: readonly [keys: string, what: string][] = [
  ['Ctrl + S', 'Save'],
  ['Ctrl + Z', 'Undo'],
  ['Ctrl + Shift + Z, Ctrl + Y', 'Redo'],
  ['Ctrl + C / Ctrl + X', 'Copy / cut the selection (as graph JSON: it pastes into other flows too)'],
  ['Ctrl + V', 'Paste'],
  ['Ctrl + A', 'Select all nodes'],
  ['Delete, Backspace', 'Delete the selection'],
  ['Shift + click, Shift + drag', 'Add to the selection, select an area'],
  ['Shift + Alt + T', 'Tidy up (auto-layout)'],
  ['Shift + 1', 'Fit the view'],
  ['Enter, double-click', 'Add the focused node type from the palette'],
  ['?', 'This help'],
];

export function HelpPanel({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={onClose}>
      <table className={styles.shortcuts}>
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys}>
              <td>
                {keys
                  .split(/(, | \/ )/)
                  .map((part, index) =>
                    part === ', ' || part === ' / ' ? (
                      <span key={index}>{part}</span>
                    ) : (
                      <kbd key={index}>{part}</kbd>
                    ),
                  )}
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
