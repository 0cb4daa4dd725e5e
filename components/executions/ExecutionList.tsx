'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { EXECUTION_STATUSES, EXECUTION_TYPES } from '../../engine/store/database';
import { useTRPC } from '../trpc';
import { EmptyState, LoadState } from '../ui/ListStates';
import { ExecutionsIcon } from '../ui/icons';
import { formatDateTime, timeAgo } from '../ui/time';
import { DevBadge, StatusBadge } from './Badges';
import styles from './executions.module.css';
import { elapsedMs, formatDuration } from './format';
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

type FilterName = 'flow' | 'status' | 'type' | 'mode';

/**
 * Filters are mirrored into the address (?flow=&status=&type=&mode=), so a filtered list can be shared
 * and reloaded. State is the source of truth: two quick changes must not read a stale address.
 */
function useFilters() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const [values, setValues] = useState<Record<FilterName, string>>(() => ({
    flow: params.get('flow') ?? '',
    status: params.get('status') ?? '',
    type: params.get('type') ?? '',
    mode: params.get('mode') ?? '',
  }));
  const filters = {
    flowId: values.flow || undefined,
    status: oneOf<Status>(EXECUTION_STATUSES, values.status),
    type: oneOf<ExecutionType>(EXECUTION_TYPES, values.type),
    mode: oneOf<Mode>(MODES, values.mode),
  };
  const set = (name: FilterName, value: string) => {
    const next = { ...values, [name]: value };
    setValues(next);
    const query = new URLSearchParams(Object.entries(next).filter(([, v]) => v !== '')).toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  return { filters, set };
}

export function ExecutionList() {
  const trpc = useTRPC();
  const { filters, set } = useFilters();
  const flows = useQuery(trpc.flows.list.queryOptions());
  const executions = useInfiniteQuery(
    trpc.executions.list.infiniteQueryOptions(
      {
        flowId: filters.flowId,
        status: filters.status ? [filters.status] : undefined,
        type: filters.type ? [filters.type] : undefined,
        mode: filters.mode,
        limit: PAGE_SIZE,
      },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  // New executions and status changes arrive live (executions.onList) and show over the loaded pages.
  const live = useExecutionListLive(filters);
  const pages = executions.data?.pages.flatMap((page) => page.items) ?? [];
  const rows = executions.isSuccess
    ? mergeListRows(pages, live, { status: filters.status }, !executions.hasNextPage)
    : pages;
  const now = useNow(rows.some((row) => !row.ended_at));
  const filtered = Boolean(filters.flowId || filters.status || filters.type || filters.mode);

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Executions</h1>
          <p>Every run of a flow, latest first, with its status, mode and children.</p>
        </div>
        <button
          type="button"
          className="button"
          onClick={() => void executions.refetch()}
          disabled={executions.isFetching}
        >
          {executions.isFetching && !executions.isFetchingNextPage ? 'Refreshing…' : 'Refresh'}
        </button>
      </header>

      <section className="card" aria-label="Executions">
        <div className={styles.filters} role="group" aria-label="Filters">
          <FilterSelect
            name="flow"
            label="Flow"
            value={filters.flowId}
            anyLabel="All flows"
            options={(flows.data ?? []).map((flow) => ({ value: flow.id, label: flow.name }))}
            onChange={set}
          />
          <FilterSelect
            name="status"
            label="Status"
            value={filters.status}
            anyLabel="Any status"
            options={EXECUTION_STATUSES.map((status) => ({ value: status, label: status }))}
            onChange={set}
          />
          <FilterSelect
            name="type"
            label="Type"
            value={filters.type}
            anyLabel="Any type"
            options={EXECUTION_TYPES.map((type) => ({ value: type, label: type }))}
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
            onChange={set}
          />
        </div>

        <LoadState query={executions} noun="executions" />
        {executions.isSuccess && rows.length === 0 && (
          <EmptyState
            icon={<ExecutionsIcon width={24} height={24} />}
            title={filtered ? 'No executions match these filters' : 'No executions yet'}
          >
            {filtered
              ? 'Change or clear a filter to see more.'
              : 'Open a flow and press Run, or start one over the REST API: each run becomes an execution here.'}
          </EmptyState>
        )}
        {rows.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th>Status</th>
                <th>Name</th>
                <th>Type</th>
                <th>Mode</th>
                <th>Started</th>
                <th>Duration</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((execution) => {
                const duration = elapsedMs(execution.started_at, execution.ended_at, now);
                const created = new Date(execution.created_at);
                return (
                  <tr key={execution.id} data-testid="execution-row">
                    <td>
                      <StatusBadge status={execution.status} />
                    </td>
                    <td className="name-cell">
                      <Link href={`/executions/${execution.id}`}>{execution.name}</Link>
                      {execution.flow_version !== null && (
                        <span className="muted"> v{execution.flow_version}</span>
                      )}
                    </td>
                    <td className="muted">{execution.type}</td>
                    <td>
                      {execution.is_productive ? (
                        <span className="muted">Productive</span>
                      ) : (
                        <DevBadge isProductive={false} />
                      )}
                    </td>
                    <td className="muted" title={formatDateTime(created)}>
                      {timeAgo(created)}
                    </td>
                    <td className="muted">
                      {duration === null ? '—' : formatDuration(duration)}
                      {duration !== null && !execution.ended_at ? ' so far' : ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
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
  onChange,
}: {
  name: FilterName;
  label: string;
  value: string | undefined;
  anyLabel: string;
  options: Array<{ value: string; label: string }>;
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
