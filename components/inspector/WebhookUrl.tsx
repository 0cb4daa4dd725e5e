'use client';

/** A webhook node's URL (copyable) and a ready curl line, from its saved params. */
export function WebhookUrl({ params }: { params: Record<string, unknown> }) {
  const name = typeof params.name === 'string' ? params.name : '';
  if (!name) return null;
  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  const key = typeof params.key === 'string' ? '?key=$WEBHOOK_KEY' : '';
  const url = `${origin}/api/latest/webhook/${encodeURIComponent(name)}/call`;
  const curl = `curl -s -X POST "${url}${key}" -H 'content-type: application/json' -d '{}'`;
  return (
    <div className="field" data-testid="webhook-url">
      <label>URL{params.enabled === true ? '' : ' (disabled until enabled)'}</label>
      <code>{url}</code>
      <button type="button" className="button" onClick={() => void navigator.clipboard?.writeText(url)}>
        Copy URL
      </button>
      <code>{curl}</code>
      <button type="button" className="button" onClick={() => void navigator.clipboard?.writeText(curl)}>
        Copy curl
      </button>
    </div>
  );
}
