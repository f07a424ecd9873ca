-- 005_attachments.sql - schema version 5: photos and documents attached to
-- incidents (core/attachment.h).
--
-- The bytes are content-addressed: attachment_blobs holds each distinct content
-- once, under its SHA-256, and any number of attachments (of one incident or of
-- several: the same photo forwarded by two units) refer to it. Neither table is
-- ever deleted from in this version; a later removal of an attachment must keep
-- a blob while an attachment still names it (the foreign key refuses otherwise).
--
-- 001's conventions hold. created_by is a person id and not a foreign key, like
-- the incidents' (003 says why).

-- Keyed by the hash, but a rowid table rather than WITHOUT ROWID: rows of up to
-- megabytes belong in a table whose own b-tree holds only the rowid (the key is
-- a separate index), the overflow pages carrying the bytes. NOT NULL on the key:
-- SQLite lets a non-integer primary key be NULL otherwise. data comes last, so
-- that reading size stops before it.
CREATE TABLE attachment_blobs (
    sha256 BLOB PRIMARY KEY NOT NULL CHECK (length(sha256) = 32),
    size INTEGER NOT NULL CHECK (size >= 1),
    created_at INTEGER NOT NULL,
    data BLOB NOT NULL CHECK (length(data) = size)
);

-- content_type is what the server found in the bytes, one of the types
-- core/attachment.h allows; filename is the client's (NFC, no path separators
-- or control characters), for display and download only.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    filename TEXT NOT NULL CHECK (length(filename) >= 1),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp',
                                                        'application/pdf', 'video/mp4',
                                                        'text/plain')),
    size INTEGER NOT NULL CHECK (size >= 1),
    sha256 BLOB NOT NULL REFERENCES attachment_blobs (sha256),
    note TEXT,
    created_by INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX attachments_incident_id ON attachments (incident_id, id);
-- The child side of the blob reference: a blob removal (later) checks it.
CREATE INDEX attachments_sha256 ON attachments (sha256);
