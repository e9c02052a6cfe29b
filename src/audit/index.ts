export { AuditService } from './service.ts';
export { auditRoutes } from './routes.ts';
export * from './schemas.ts';
