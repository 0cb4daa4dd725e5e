/** A form's error, announced to screen readers; nothing when there is none. */
export function FormError({ message }: { message: string | null | undefined | false }) {
  if (!message) return null;
  return (
    <p className="alert" role="alert">
      {message}
    </p>
  );
}
