'use client';

import { useReactFlow } from '@xyflow/react';
import { useEffect, useRef, type RefObject } from 'react';
import type { Graph } from '@/engine/graph/model';
import { parseClipboardGraph, pasteIds, subgraph, type Position } from './graph-ops';
import type { CanvasStore, RenameNode } from './store';
import type { CanvasUiStore } from './ui-store';

/** Keys typed into a field, or into Monaco, are the field's, never the canvas's. */
function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof Element &&
    target.closest('input, textarea, select, [contenteditable="true"], .monaco-editor, dialog') !== null
  );
}

const PASTE_OFFSET = { x: 40, y: 40 };

/**
 * The canvas's keyboard: save, undo/redo, select all, help, tidy up, fit view; and the clipboard: the
 * selection is copied as the graph JSON of its nodes and inner edges (so it pastes into another flow,
 * or a text editor), and a pasted graph gets fresh ids where they clash, its expressions following
 * them (the server's renameNode). Delete/Backspace is React Flow's own (Canvas.tsx).
 */
export function useCanvasShortcuts(options: {
  model: CanvasStore;
  ui: CanvasUiStore;
  enabled: boolean;
  canvasRef: RefObject<HTMLDivElement | null>;
  onSave(): void;
  onHelp(): void;
  onTidyUp(): void;
  rename: RenameNode;
}) {
  const flow = useReactFlow();
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });
  const pointer = useRef<Position | null>(null);

  useEffect(() => {
    const selectedIds = () =>
      new Set(
        flow
          .getNodes()
          .filter((node) => node.selected)
          .map((node) => node.id),
      );
    const copySelection = (event: ClipboardEvent): boolean => {
      const ids = selectedIds();
      if (ids.size === 0 || !event.clipboardData) return false;
      const clip = subgraph(latest.current.model.getState().graph, ids);
      event.clipboardData.setData('text/plain', JSON.stringify(clip, null, 2));
      event.preventDefault();
      return true;
    };
    const paste = async (clip: Graph) => {
      const { model, ui, rename } = latest.current;
      let renamed = clip;
      for (const [from, to] of pasteIds(model.getState().graph, clip)) {
        if (from !== to) renamed = await rename(renamed, from, to).catch(() => renamed);
      }
      const at = pointer.current;
      const ids = model.getState().paste(renamed, at ? { at } : { offset: PASTE_OFFSET });
      ui.getState().select(ids);
    };

    const onKeyDown = (event: KeyboardEvent) => {
      const { enabled, model, ui, onSave, onHelp, onTidyUp } = latest.current;
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (mod && key === 's') {
        event.preventDefault();
        onSave();
        return;
      }
      if (!enabled || isTyping(event.target)) return;
      if (mod && key === 'z') {
        event.preventDefault();
        if (event.shiftKey) model.getState().redo();
        else model.getState().undo();
      } else if (mod && key === 'y') {
        event.preventDefault();
        model.getState().redo();
      } else if (mod && key === 'a') {
        event.preventDefault();
        ui.getState().select(model.getState().graph.nodes.map((node) => node.id));
      } else if (event.key === '?') {
        event.preventDefault();
        onHelp();
      } else if (event.shiftKey && event.altKey && event.code === 'KeyT') {
        event.preventDefault();
        onTidyUp();
      } else if (event.shiftKey && event.code === 'Digit1') {
        event.preventDefault();
        void flow.fitView({ maxZoom: 1, padding: 0.15, duration: 200 });
      }
    };
    const onCopy = (event: ClipboardEvent) => {
      if (latest.current.enabled && !isTyping(event.target)) copySelection(event);
    };
    const onCut = (event: ClipboardEvent) => {
      if (!latest.current.enabled || isTyping(event.target)) return;
      const ids = selectedIds();
      if (copySelection(event)) latest.current.model.getState().remove({ nodes: [...ids] });
    };
    const onPaste = (event: ClipboardEvent) => {
      if (!latest.current.enabled || isTyping(event.target)) return;
      const clip = parseClipboardGraph(event.clipboardData?.getData('text/plain') ?? '');
      if (!clip) return;
      event.preventDefault();
      void paste(clip);
    };
    // Where the pointer is over the canvas: a paste lands there.
    const onPointerMove = (event: PointerEvent) => {
      const box = latest.current.canvasRef.current?.getBoundingClientRect();
      const inside =
        box &&
        event.clientX >= box.left &&
        event.clientX <= box.right &&
        event.clientY >= box.top &&
        event.clientY <= box.bottom;
      pointer.current = inside ? flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }) : null;
    };
    window.addEventListener('keydown', onKeyDown);
    document.addEventListener('copy', onCopy);
    document.addEventListener('cut', onCut);
    document.addEventListener('paste', onPaste);
    window.addEventListener('pointermove', onPointerMove, { passive: true });
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('cut', onCut);
      document.removeEventListener('paste', onPaste);
      window.removeEventListener('pointermove', onPointerMove);
    };
  }, [flow]);
}
