-- Migration: initial schema
-- Skill: notes
-- Version: 1
-- Created: 2026-11-24T00:00:00.000Z

CREATE TABLE IF NOT EXISTS notes (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

INSERT INTO notes (title, body) VALUES ('Welcome', 'Semicolons; in strings; are fine.');
