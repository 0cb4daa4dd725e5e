'use client';

import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { GraphIssue } from '@/engine/graph/issues';
import type { Graph } from '@/engine/graph/model';
import { useTRPC } from '../trpc';
import { errorMessage } from '../ui/errors';
import type { CanvasUiStore } from './ui-store';

export const CHECK_DELAY_MS = 400;

export type CompiledModule = {
  code: string | null;
  nodes: { id: string; type: string; line: number; endLine: number }[];
};

/**
 * The server's findings about the graph being drawn (flows.validateGraph), asked for a pause after each
 * change and put at their nodes; the compiled module (flows.compileGraph) too while the code tab is
 * open. An answer for an older graph than the last one asked about is dropped.
 */
export function useDraftChecks(
  flowName: string,
  graph: Graph,
  ui: CanvasUiStore,
  withCode: boolean,
): { compiled: CompiledModule | null; compileError: string | null; checking: boolean } {
  const trpc = useTRPC();
  const { mutateAsync: check } = useMutation(trpc.flows.validateGraph.mutationOptions());
  const { mutateAsync: compile } = useMutation(trpc.flows.compileGraph.mutationOptions());
  const [compiled, setCompiled] = useState<CompiledModule | null>(null);
  const [compileError, setCompileError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const latest = useRef(0);

  useEffect(() => {
    const ask = ++latest.current;
    const timer = setTimeout(() => {
      setChecking(true);
      const nodeIds = new Set(graph.nodes.map((node) => node.id));
      check({ name: flowName, graph })
        .then(({ issues }) => {
          if (ask === latest.current) ui.getState().setIssues(issues as GraphIssue[], nodeIds);
        })
        .catch(() => {
          // A check that fails (the server is away) leaves the last findings; saving reports anew.
        })
        .finally(() => {
          if (ask === latest.current) setChecking(false);
        });
      if (withCode)
        compile({ graph })
          .then((result) => {
            if (ask !== latest.current) return;
            setCompiled({ code: result.code, nodes: result.nodes });
            setCompileError(null);
          })
          .catch((error: unknown) => {
            if (ask === latest.current) setCompileError(errorMessage(error));
          });
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [check, compile, flowName, graph, ui, withCode]);

  return { compiled, compileError, checking };
}
