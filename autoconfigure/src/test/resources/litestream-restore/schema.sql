-- Fails on an empty database ("no such table"), and would run against an empty file if it ran before the restore.
INSERT INTO tasks (title) VALUES ('from init');
