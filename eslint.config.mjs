import nextCoreWebVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    ignores: [
      'node_modules/**',
      '.next/**',
      '.flowline/**',
      'test-results/**',
      'playwright-report/**',
      'next-env.d.ts',
    ],
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine is plain TypeScript: it must not reach up into the web layer.
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['next', 'next/*', 'react', 'react-dom', '@xyflow/*', '@trpc/*'],
              message: 'engine/ knows nothing of the web layer',
            },
            {
              group: [
                '**/server/**',
                '**/app/**',
                '**/components/**',
                '@/server/*',
                '@/app/*',
                '@/components/*',
              ],
              message: 'arrows point down only',
            },
          ],
        },
      ],
    },
  },
];

export default config;
