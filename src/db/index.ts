export { Db, mapPgError, type Queryable, type Row, type Result } from './db.ts';
export { migrate, loadMigrations, type Migration } from './migrate.ts';
export {
  startEmbeddedPostgres,
  embeddedUrl,
  freePort,
  makeTemplate,
  TEMPLATE_DIR,
  type EmbeddedPostgres,
} from './embedded.ts';
export { Listener, type NotificationHandler } from './listen.ts';
