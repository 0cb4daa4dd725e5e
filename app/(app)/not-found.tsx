import { NotFoundMessage } from '@/components/shell/NotFoundMessage';

/** A page inside the app that does not exist (an unknown flow, say): the message inside the app's frame. */
export default function AppNotFound() {
  return (
    <div className="page">
      <NotFoundMessage />
    </div>
  );
}
