/** One query on the stack's database, on a connection of its own (tests read what the edge wrote). */
import pg from 'pg';

export async function query<T extends pg.QueryResultRow>(url: string | undefined, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
