import Link from 'next/link';

/** What a missing page says, and the places a lost user most likely wanted instead. */
export function NotFoundMessage() {
  return (
    <div className="stack not-found">
      <h1>Page not found</h1>
      <p className="muted">
        There is nothing at this address. It may have been renamed or deleted, or the link has a typo.
      </p>
      <nav className="not-found-links" aria-label="Where to go instead">
        <Link href="/flows" className="button button-primary">
          Flows
        </Link>
        <Link href="/executions" className="button">
          Executions
        </Link>
        <Link href="/connections" className="button">
          Connections
        </Link>
      </nav>
    </div>
  );
}
