import type { JSX } from 'solid-js';
import { isPlainClick } from '../lib/navigation.ts';

/**
 * A real link (middle click, copy address and keyboard work), switched in
 * place on a plain click. `current`: `true` or `'page'` for the page shown,
 * `'section'` for a link whose section holds the page (Runs on a run's page).
 */
export function NavLink(props: {
  href: string;
  current: boolean | 'page' | 'section';
  onNavigate: (href: string) => void;
  children: JSX.Element;
}) {
  const ariaCurrent = (): 'page' | 'true' | undefined => {
    if (props.current === true || props.current === 'page') {
      return 'page';
    }
    return props.current === 'section' ? 'true' : undefined;
  };
  return (
    <a
      class="nav-link"
      href={props.href}
      aria-current={ariaCurrent()}
      onClick={(event) => {
        if (isPlainClick(event)) {
          event.preventDefault();
          props.onNavigate(props.href);
        }
      }}
    >
      {props.children}
    </a>
  );
}
