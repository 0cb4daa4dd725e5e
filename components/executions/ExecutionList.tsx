'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { EXECUTION_STATUSES, EXECUTION_TYPES } from '../../engine/store/database';
import { useTRPC } from '../trpc';
import { EmptyState, LoadState } from '../ui/ListStates';
import { ExecutionsIcon } from '../ui/icons';
import { ExecutionRows } from './ExecutionRows';
import styles from './executions.module.css';
import { DEV_MODE_EXPLANATION, statusLabel, typeLabel } from './labels';
import { useExecutionListLive } from './live';
import { mergeListRows } from './live-store';
import { useNow } from './use-now';

const MODES = ['productive', 'dev'] as const;
const PAGE_SIZE = 50;

type Status = (typeof EXECUTION_STATUSES)[number];
type ExecutionType = (typeof EXECUTION_TYPES)[number];
type Mode = (typeof MODES)[number];

function oneOf<T extends string>(options: readonly T[], value: string | null): T | undefined {
  return options.find((option) => option === value);
}

/** `show`: '' lists top-level runs (children expand under them), 'all' every execution. */
type FilterName = 'flow' | 'status' | 'type' | 'mode' | 'show';
type FilterValues = Record<FilterName, string>;
const NO_FILTERS: FilterValues = { flow: '', status: '', type: '', mode: '', show: '' };

/**
 * Filters are mirrored into the address (?flow=<name>&status=&type=&mode=&show=), so a filtered list
 * can be shared and reloaded. State is the source of truth: two quick changes must not read a stale
 * address.
 */
function useFilters() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const [values, setValues] = useState<FilterValues>(() => ({
    flow: params.get('flow') ?? '',
    status: params.get('status') ?? '',
    type: params.get('type') ?? '',
    mode: params.get('mode') ?? '',
    show: params.get('show') ?? '',
  }));
  const replaceAll = (next: FilterValues) => {
    setValues(next);
    const query = new URLSearchParams(Object.entries(next).filter(([, v]) => v !== '')).toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  return {
    values,
    set: (name: FilterName, value: string) => replaceAll({ ...values, [name]: value }),
    clear: () => replaceAll(NO_FILTERS),
  };
}

export function ExecutionList() {
  const trpc = useTRPC();
  const { values, set, clear } = useFilters();
  const flows = useQuery(trpc.flows.list.queryOptions());
  // The address names the flow; the API filters by its id, known once the flows are listed.
  const flowName = values.flow || undefined;
  const flowId = flowName ? flows.data?.find((flow) => flow.name === flowName)?.id : undefined;
  const unknownFlow = flowName !== undefined && flows.isSuccess && flowId === undefined;
  const ready = flowName === undefined || flowId !== undefined;
  const rootsOnly = values.show !== 'all';
  const filters = {
    flowId,
    status: oneOf<Status>(EXECUTION_STATUSES, values.status),
    type: oneOf<ExecutionType>(EXECUTION_TYPES, values.type),
    mode: oneOf<Mode>(MODES, values.mode),
  };
  const executions = useInfiniteQuery(
    trpc.executions.list.infiniteQueryOptions(
      {
        flowId: filters.flowId,
        status: filters.status ? [filters.status] : undefined,
        type: filters.type ? [filters.type] : undefined,
        mode: filters.mode,
        rootsOnly,
        limit: PAGE_SIZE,
      },
      { getNextPageParam: (page) => page.nextCursor, enabled: ready },
    ),
  );
  // New executions and status changes arrive live (executions.onList) and show over the loaded pages.
  // The subscription follows children too: an expanded row shows its children's changes.
  const live = useExecutionListLive(ready ? filters : null);
  const pages = executions.data?.pages.flatMap((page) => page.items) ?? [];
  const rows = executions.isSuccess
    ? mergeListRows(
        pages,
        live,
        { status: filters.status, parentId: rootsOnly ? null : undefined },
        !executions.hasNextPage,
      )
    : pages;
  const now = useNow(rows.some((row) => !row.ended_at));
  const filtered = Boolean(flowName || filters.status || filters.type || filters.mode);
  const clearButton = (
    <button type="button" className="button" onClick={clear}>
      Clear filters
    </button>
  );

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Executions</h1>
          <p>
            Every run of a flow, latest first, with its status and mode; expand a run to see its children.
          </p>
        </div>
        <button
          type="button"
          className="button"
          onClick={() => void executions.refetch()}
          disabled={executions.isFetching || !ready}
        >
          {executions.isFetching && !executions.isFetchingNextPage ? 'Refreshing…' : 'Refresh'}
        </button>
      </header>

      <section className="card" aria-label="Executions">
        <div className={styles.filters} role="group" aria-label="Filters">
          <FilterSelect
            name="flow"
            label="Flow"
            value={flowName}
            anyLabel="All flows"
            options={(flows.data ?? []).map((flow) => ({ value: flow.name, label: flow.name }))}
            onChange={set}
          />
          <FilterSelect
            name="status"
            label="Status"
            value={filters.status}
            anyLabel="Any status"
            options={EXECUTION_STATUSES.map((status) => ({ value: status, label: statusLabel(status) }))}
            onChange={set}
          />
          <FilterSelect
            name="type"
            label="Type"
            value={filters.type}
            anyLabel="Any type"
            options={EXECUTION_TYPES.map((type) => ({ value: type, label: typeLabel(type) }))}
            onChange={set}
          />
          <FilterSelect
            name="mode"
            label="Mode"
            value={filters.mode}
            anyLabel="Productive and dev"
            options={[
              { value: 'productive', label: 'Productive' },
              { value: 'dev', label: 'Dev mode' },
            ]}
            hint={DEV_MODE_EXPLANATION}
            onChange={set}
          />
          <FilterSelect
            name="show"
            label="Show"
            value={rootsOnly ? undefined : 'all'}
            anyLabel="Top-level runs"
            options={[{ value: 'all', label: 'All executions' }]}
            onChange={set}
          />
          {/* With no match, the empty state offers it instead. */}
          {filtered && rows.length > 0 && <div className={styles.filterActions}>{clearButton}</div>}
        </div>

        {unknownFlow ? (
          <EmptyState
            icon={<ExecutionsIcon width={24} height={24} />}
            title={`No flow is named ${flowName}`}
            action={clearButton}
          >
            It may have been renamed or deleted.
          </EmptyState>
        ) : (
          <LoadState
            query={flows.isError ? flows : executions}
            noun={flows.isError ? 'flows' : 'executions'}
          />
        )}
        {executions.isSuccess && rows.length === 0 && (
          <EmptyState
            icon={<ExecutionsIcon width={24} height={24} />}
            title={filtered ? 'No executions match these filters' : 'No executions yet'}
            action={filtered ? clearButton : undefined}
          >
            {filtered
              ? 'Change or clear a filter to see more.'
              : 'Open a flow and press Run, or start one over the REST API: each run becomes an execution here.'}
          </EmptyState>
        )}
        {rows.length > 0 && <ExecutionRows rows={rows} live={live} now={now} expandable={rootsOnly} />}
        {executions.hasNextPage && (
          <div className={styles.more}>
            <button
              type="button"
              className="button"
              onClick={() => void executions.fetchNextPage()}
              disabled={executions.isFetchingNextPage}
            >
              {executions.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          </div>
        )}
      </section>
    </div>
  );
}

/** One filter of the list: a labelled select whose first option means "no filter". */
function FilterSelect({
  name,
  label,
  value,
  anyLabel,
  options,
  hint,
  onChange,
}: {
  name: FilterName;
  label: string;
  value: string | undefined;
  anyLabel: string;
  options: Array<{ value: string; label: string }>;
  /** What the filter means, on hover. */
  hint?: string;
  onChange: (name: FilterName, value: string) => void;
}) {
  return (
    <div className="field">
      <label className={styles.filterLabel} htmlFor={`filter-${name}`}>
        {label}
      </label>
      <select
        id={`filter-${name}`}
        className={styles.select}
        title={hint}
        value={value ?? ''}
        onChange={(event) => onChange(name, event.target.value)}
      >
        <option value="">{anyLabel}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
