import type { Metadata } from 'next';

export const metadata: Metadata = { title: 'Executions' };

export default function ExecutionsPage() {
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Executions</h1>
          <p>Every run of a flow, with its status, input, output and children.</p>
        </div>
      </header>
      <div className="card placeholder">
        The executions list arrives with the execution engine (issue 3) and its pages (issue 4).
      </div>
    </div>
  );
}
