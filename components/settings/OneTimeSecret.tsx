'use client';

import { useState } from 'react';

/** A secret shown once (a new API token, a temporary password), with a copy button and a Done. */
export function OneTimeSecret({
  secret,
  explanation,
  testId,
  onDone,
}: {
  secret: string;
  explanation: string;
  testId: string;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="stack">
      <p className="muted">{explanation}</p>
      <div className="secret">
        <code data-testid={testId}>{secret}</code>
        <button
          type="button"
          className="button button-small"
          onClick={() =>
            navigator.clipboard.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <div className="dialog-actions">
        <button type="button" className="button button-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
