import type { SVGProps } from 'react';

/** The canvas's icon set: the names node types give as `icon` (engine/nodes/*.ts). Line icons, currentColor. */
const paths: Record<string, React.ReactNode> = {
  webhook: (
    <>
      <path d="M10 4.5a4 4 0 0 1 5.5 5.5L12 16" />
      <circle cx="12" cy="17.5" r="1.5" />
      <path d="M6.5 17.5a4 4 0 1 1 2-7.5" />
      <path d="M17.5 17.5a4 4 0 1 0-1-7.9" />
    </>
  ),
  clock: (
    <>
      <circle cx="12" cy="12" r="8.5" />
      <path d="M12 7.5V12l3 2" />
    </>
  ),
  workflow: (
    <>
      <rect x="3" y="3" width="7" height="6" rx="1.5" />
      <rect x="14" y="15" width="7" height="6" rx="1.5" />
      <path d="M6.5 9v3a3 3 0 0 0 3 3h4.5" />
    </>
  ),
  plug: (
    <>
      <path d="M9 3v5M15 3v5" />
      <path d="M6 8h12v3a6 6 0 0 1-12 0V8z" />
      <path d="M12 17v4" />
    </>
  ),
  code: <path d="M8 7l-5 5 5 5M16 7l5 5-5 5M13.5 4l-3 16" />,
  split: <path d="M4 12h6l4-6h6M14 18h6M10 12l4 6M17 3l3 3-3 3M17 15l3 3-3 3" />,
  flag: <path d="M5 21V4M5 4h11l-2 4 2 4H5" />,
};

export function NodeIcon({ name, ...props }: { name: string } & SVGProps<SVGSVGElement>) {
  return (
    <svg
      viewBox="0 0 24 24"
      width={16}
      height={16}
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      {...props}
    >
      {paths[name] ?? <circle cx="12" cy="12" r="8" />}
    </svg>
  );
}
