"""The audit log: who did what, when, from where (see docs/audit.md)."""
