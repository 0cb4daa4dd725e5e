import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="auth-page">
      <div className="auth-card stack">
        <div className="brand">
          <span className="brand-mark">F</span> Flowline
        </div>
        <h1>Not found</h1>
        <p className="muted">There is nothing at this address. It may have been renamed or deleted.</p>
        <Link href="/flows" className="button button-primary">
          Back to flows
        </Link>
      </div>
    </main>
  );
}
