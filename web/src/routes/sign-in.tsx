/**
 * The sign-in screen, shown to anyone without a session. The link is a plain
 * full-page navigation: the edge sends the browser to GitHub and, once signed
 * in, back to `returnTo` (docs/domain.md §8.1).
 */
import { Show } from 'solid-js';
import { describeSignInError, toSignInUrl } from '../lib/sign-in.ts';

export function SignInPage(props: { error: string | null; returnTo: string }) {
  return (
    <main class="sign-in">
      <section class="sign-in-card" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title" class="app-title">
          Stageline
        </h1>
        <p class="sign-in-text">Sign in with your GitHub account to follow the runs of your projects and answer their requests.</p>
        <Show when={props.error}>
          {(code) => (
            <p class="notice" role="alert" data-testid="sign-in-error">
              {describeSignInError(code())}
            </p>
          )}
        </Show>
        <a class="button button-primary" data-testid="sign-in" href={toSignInUrl(props.returnTo)}>
          Sign in with GitHub
        </a>
      </section>
    </main>
  );
}
