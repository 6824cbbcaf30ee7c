"""账号 · 权限 · 审计: users, roles, sessions, API tokens and the audit log."""
