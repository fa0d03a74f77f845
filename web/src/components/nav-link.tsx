import type { JSX } from 'solid-js';
import { isPlainClick } from '../lib/navigation.ts';

/** A real link (middle click, copy address and keyboard work), switched in place on a plain click. */
export function NavLink(props: { href: string; current: boolean; onNavigate: (href: string) => void; children: JSX.Element }) {
  return (
    <a
      class="nav-link"
      href={props.href}
      aria-current={props.current ? 'page' : undefined}
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
