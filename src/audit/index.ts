export { auditEntry } from './audit-entry.js';
export type { AuditedCall, AuditEntryOptions } from './audit-entry.js';
export { AuditLogClosedError, createAuditLog } from './audit-log.js';
export type { AuditLog, AuditLogOptions, AuditLogStats } from './audit-log.js';
export { AUDIT_CSV_COLUMNS, csvCell, exportAudit, exportAuditCsv, exportAuditJsonl, iterateAudit } from './export.js';
export type { AuditExportFormat } from './export.js';
export { verifyAuditChain, verifyChain } from './verify.js';
export type { ChainProblem, ChainReader, ChainVerification } from './verify.js';
