import { NavLink } from '../components/nav-link.tsx';
import { SCREEN_PATHS } from '../lib/navigation.ts';

/** Any path the console has no screen for (the edge serves the console for every unknown path). */
export function NotFoundPage(props: { onNavigate: (path: string) => void }) {
  return (
    <section class="page" aria-labelledby="not-found-title">
      <h2 id="not-found-title" class="page-title">
        Page not found
      </h2>
      <p>
        There is no console page at this address.{' '}
        <NavLink href={SCREEN_PATHS.runs} current={false} onNavigate={props.onNavigate}>
          Go to the runs
        </NavLink>
        .
      </p>
    </section>
  );
}
