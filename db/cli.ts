/**
 * Migration CLI: `migrate` applies pending migrations and exits, `revert` undoes the last one,
 * `show` lists them. Reads DATABASE_URL only.
 */
import { createDataSource } from './data-source.js';

async function main(command: string | undefined): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL is required: a postgres:// URL\n');
    process.exit(2);
  }
  const dataSource = createDataSource(url);
  await dataSource.initialize();
  try {
    if (command === 'migrate') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      process.stdout.write(applied.length ? applied.map((m) => `applied ${m.name}`).join('\n') + '\n' : 'schema is up to date\n');
    } else if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      process.stdout.write('reverted the last migration\n');
    } else if (command === 'show') {
      const pending = await dataSource.showMigrations();
      process.stdout.write(pending ? 'migrations are pending\n' : 'schema is up to date\n');
    } else {
      process.stderr.write('usage: db/cli.js migrate|revert|show\n');
      process.exitCode = 2;
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
