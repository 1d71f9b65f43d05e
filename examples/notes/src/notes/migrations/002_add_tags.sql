-- Migration: add tags
-- Skill: notes
-- Version: 2
-- Created: 2026-11-24T00:00:00.000Z

CREATE TABLE IF NOT EXISTS note_tags (
    note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    PRIMARY KEY (note_id, tag)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS idx_note_tags_tag ON note_tags (tag);
