/**
 * A form's error, announced to screen readers; nothing when there is none. Several problems (a form
 * checked as a whole) show as a list, all at once.
 */
export function FormError({ message }: { message: string | readonly string[] | null | undefined | false }) {
  if (!message || message.length === 0) return null;
  if (typeof message === 'string' || message.length === 1) {
    return (
      <p className="alert" role="alert">
        {typeof message === 'string' ? message : message[0]}
      </p>
    );
  }
  return (
    <div className="alert" role="alert">
      <ul className="alert-list">
        {message.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </div>
  );
}
