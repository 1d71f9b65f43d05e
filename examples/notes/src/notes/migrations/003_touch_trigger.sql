-- Migration: keep updated_at current
-- Skill: notes
-- Version: 3
-- Created: 2026-11-24T00:00:00.000Z

ALTER TABLE notes ADD COLUMN updated_at TEXT;

CREATE TRIGGER IF NOT EXISTS notes_touch AFTER UPDATE OF title, body ON notes
BEGIN
    UPDATE notes SET updated_at = CURRENT_TIMESTAMP WHERE id = new.id;
END;
