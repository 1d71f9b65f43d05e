-- Migration: create tasks
-- Skill: tasks
-- Version: 1
-- Created: 2026-11-24T00:00:00.000Z

CREATE TABLE IF NOT EXISTS tasks (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    title    TEXT NOT NULL,
    done     BOOLEAN NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    due      DATE
);

CREATE VIEW IF NOT EXISTS open_tasks AS
    SELECT id, title, priority, due FROM tasks WHERE done = 0;
