/**
 * The operations screens (wait queue, clusters, projects, errors), listed
 * here so the shell (app.tsx) can route to them and put them in the header's
 * navigation without knowing each one. Every screen gets the same props.
 */
import type { Component } from 'solid-js';
import type { Logger } from '../lib/log.ts';
import type { StaffFetch } from '../lib/staff-fetch.ts';
import type { Me } from '../lib/staff-me.ts';
import { ClustersPage } from './clusters.tsx';
import { ErrorsPage } from './errors.tsx';
import { ProjectsPage } from './projects.tsx';
import { QueuePage } from './queue.tsx';

export type ScreenProps = {
  /** The session-aware fetch (CSRF header, refresh on `session_expired`). */
  fetch: StaffFetch;
  log: Logger;
  /** Who is signed in: their projects and roles decide which controls are enabled. */
  me: Me;
};

export type OpsRoute = {
  /** e.g. `/queue`. */
  path: string;
  /** The header's link text and the document title. */
  title: string;
  component: Component<ScreenProps>;
};

export const OPS_ROUTES: OpsRoute[] = [
  { path: '/queue', title: 'Wait queue', component: QueuePage },
  { path: '/clusters', title: 'Clusters', component: ClustersPage },
  { path: '/projects', title: 'Projects', component: ProjectsPage },
  { path: '/errors', title: 'Errors', component: ErrorsPage },
];
