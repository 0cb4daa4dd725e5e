'use client';

/** Shown inside the shell when a page fails to render; the details are in the server log. */
export default function PageError({ reset }: { error: Error; reset: () => void }) {
  return (
    <div className="page">
      <div className="card empty">
        <h2>This page could not be shown</h2>
        <p>Something went wrong on our side. Try again; if it keeps failing, the server log says why.</p>
        <button type="button" className="button button-primary" onClick={reset}>
          Try again
        </button>
      </div>
    </div>
  );
}
