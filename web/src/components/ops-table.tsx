import { For, type JSX } from 'solid-js';

/** A column of an ops table: its header text, and whether it takes the spare width (`ops-wide`). */
export type OpsColumn = string | { label: string; wide: true };

/** The header row of an ops table (the errors, held-work, queue and clusters screens). */
export function OpsHead(props: { columns: readonly OpsColumn[] }): JSX.Element {
  return (
    <thead>
      <tr>
        <For each={props.columns}>
          {(column) =>
            typeof column === 'string' ? (
              <th scope="col">{column}</th>
            ) : (
              <th scope="col" class="ops-wide">
                {column.label}
              </th>
            )
          }
        </For>
      </tr>
    </thead>
  );
}

/** The one row an ops table shows while it has no rows (loading, or nothing to list). */
export function EmptyRow(props: { columns: number; children: JSX.Element }): JSX.Element {
  return (
    <tr>
      <td class="ops-empty" colSpan={props.columns}>
        {props.children}
      </td>
    </tr>
  );
}
