/**
 * A list table's header row: one cell per column title, and (with `actions`) a last, right-aligned
 * column for each row's buttons, named for screen readers only.
 */
export function TableHead({ columns, actions = false }: { columns: readonly string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column}>{column}</th>
        ))}
        {actions && (
          <th className="actions">
            <span className="sr-only">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
