'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../trpc';
import { errorMessage } from '../ui/errors';
import styles from './triggers.module.css';

/**
 * Turns a webhook or schedule on or off from a list: it saves a new version of the flow with the node's
 * `enabled` param switched (as the inspector's checkbox would, followed by Save).
 */
export function EnabledSwitch({
  flow,
  node,
  enabled,
  label,
}: {
  flow: string;
  node: string;
  enabled: boolean;
  label: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toggle = useMutation(
    trpc.triggers.setEnabled.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.triggers.pathKey() }),
    }),
  );
  return (
    <span className={styles.switch}>
      <label>
        <input
          type="checkbox"
          role="switch"
          aria-label={label}
          checked={enabled}
          disabled={toggle.isPending}
          onChange={(event) => toggle.mutate({ flow, node, enabled: event.target.checked })}
        />{' '}
        {enabled ? 'Enabled' : 'Disabled'}
      </label>
      {toggle.error && (
        <span className="field-error" role="alert">
          {errorMessage(toggle.error)}
        </span>
      )}
    </span>
  );
}
