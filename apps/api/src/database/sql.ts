import type { EntityManager } from 'typeorm';

/**
 * Runs a statement and returns its rows and affected-row count. TypeORM's plain `query()` returns
 * rows for SELECT/INSERT but `[rows, count]` for UPDATE/DELETE; this always returns both, named.
 * Inside a transaction it uses the transaction's connection.
 */
export async function execute<T = Record<string, unknown>>(
  manager: EntityManager,
  sql: string,
  parameters: unknown[] = [],
): Promise<{ rows: T[]; count: number }> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, parameters, true);
    return { rows: (result.records ?? []) as T[], count: result.affected ?? 0 };
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}
