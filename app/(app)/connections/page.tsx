import type { Metadata } from 'next';

export const metadata: Metadata = { title: 'Connections' };

export default function ConnectionsPage() {
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Connections</h1>
          <p>Stored settings and secrets for the systems your flows talk to.</p>
        </div>
      </header>
      <div className="card placeholder">Connections arrive with the connectors (issue 4).</div>
    </div>
  );
}
