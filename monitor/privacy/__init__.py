"""Personal data, as X's terms and UK GDPR ask: a post deleted or made private on X is removed here when it
is next read (the metrics refresh, then monitor.deletion_check), a person can be forgotten or given a copy
of what is held about them, and raw responses and old profiles are dropped on a schedule.
docs/privacy.md is the notice and the how-to.

    from monitor import privacy
    privacy.forget(engine, config, "@someone", requested_by="dpo@naht.org.uk")
    privacy.export(engine, "@someone", requested_by="dpo@naht.org.uk").document
    privacy.run_retention(engine, config)

The modules, each one job: `removal` (what a removed post and author keep, and removing them inside the
caller's transaction), `redact` (a forgotten person's handle and ids out of other people's posts),
`requests` (erasure and access requests, recorded with a salted hash of the handle), `export` (the
access document), `retention` (the nightly job) and `storage` (after a removal: stored reports written
again, SQLite's write-ahead log emptied, PostgreSQL vacuumed).
"""
from monitor.privacy.export import export_json, write_export
from monitor.privacy.removal import (
                                     DELETED,
                                     FORGOTTEN,
                                     KEPT_POST_COLUMNS,
                                     PROTECTED,
                                     REASONS,
                                     Removed,
                                     remove_authors,
                                     remove_posts,
)
from monitor.privacy.requests import (
                                     ExportResult,
                                     ForgetResult,
                                     RequestError,
                                     export,
                                     forget,
                                     handle_hash,
                                     normalise_handle,
)
from monitor.privacy.retention import RetentionSummary, add_retention_job, run_retention
from monitor.privacy.storage import after_removal, clear_residue, rewrite_stored_reports

__all__ = [
    "DELETED", "FORGOTTEN", "KEPT_POST_COLUMNS", "PROTECTED", "REASONS", "ExportResult", "ForgetResult", "Removed",
    "RequestError", "RetentionSummary", "add_retention_job", "after_removal", "clear_residue", "export",
    "export_json", "forget", "handle_hash", "normalise_handle", "remove_authors", "remove_posts",
    "rewrite_stored_reports", "run_retention", "write_export",
]
