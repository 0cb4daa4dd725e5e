import { z } from 'zod';
import { readTrigger } from './trigger';
import type { NodeType } from './types';

export const WEBHOOK_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** A webhook's name is a path segment of its URL, /api/latest/webhook/<name>/call. */
export const WEBHOOK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export type WebhookParams = {
  name: string;
  methods?: (typeof WEBHOOK_METHODS)[number][];
  key?: string;
  async?: boolean;
  productive?: boolean;
  enabled?: boolean;
  timeout_seconds?: number;
  cors_origins?: string[];
};

/** How long a synchronous call waits for the flow before answering 504 (the flow goes on). */
export const WEBHOOK_DEFAULT_TIMEOUT_SECONDS = 30;
export const WEBHOOK_MAX_TIMEOUT_SECONDS = 300;

/** Starts the flow when /api/latest/webhook/<name>/call is called; the flow's input is the request. */
export const webhookNode: NodeType<WebhookParams> = {
  type: 'webhook',
  title: 'Webhook',
  category: 'Triggers',
  icon: 'webhook',
  description: 'Starts the flow on an HTTP call; the request is the input',
  params: z.strictObject({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(WEBHOOK_NAME_PATTERN, 'letters, digits and _ . -, starting with a letter or digit')
      .meta({
        title: 'Name',
        description: 'The URL is /api/latest/webhook/<name>/call; unique across flows',
      }),
    methods: z
      .array(z.enum(WEBHOOK_METHODS))
      .min(1)
      .refine((methods) => new Set(methods).size === methods.length, 'a method is listed twice')
      .optional()
      .meta({ title: 'Methods', description: 'The HTTP methods it answers (default all)' }),
    key: z
      .string()
      .min(16, 'a key has at least 16 characters')
      .max(256)
      .optional()
      .meta({ title: 'Key', description: 'When set, a call must carry it as `key`' }),
    async: z
      .boolean()
      .optional()
      .meta({ title: 'Answer at once', description: 'true: 202 with the execution id, not the result' }),
    productive: z
      .boolean()
      .optional()
      .meta({ title: 'Productive', description: 'false: calls run in dev mode (default true)' }),
    enabled: z
      .boolean()
      .optional()
      .meta({ title: 'Enabled', description: 'A webhook answers only when enabled' }),
    timeout_seconds: z
      .number()
      .int()
      .min(1)
      .max(WEBHOOK_MAX_TIMEOUT_SECONDS)
      .optional()
      .meta({
        title: 'Timeout (s)',
        description: `How long a call waits for the flow before 504 (default ${WEBHOOK_DEFAULT_TIMEOUT_SECONDS})`,
      }),
    cors_origins: z
      .array(z.string().regex(/^(\*|https?:\/\/[^\s/]+)$/, "an origin such as 'https://example.com', or '*'"))
      .min(1)
      .max(50)
      .optional()
      .meta({
        title: 'CORS origins',
        description: 'Browser origins allowed to call it (preflight answered)',
      }),
  }),
  trigger: true,
  plainParams: 'all',
  step: false,
  outputs: () => [{ id: 'out', label: 'Request' }],
  references: (params) => ({ webhook: { value: params.name, path: 'name' } }),
  summary: (params) => `${(params.methods ?? ['any']).join(', ')} /webhook/${params.name}`,
  emit: (params, emit) => `graph.trigger('webhook', ${emit.literal(params)})`,
  read: (body, read) => readTrigger('webhook', body, read),
};
