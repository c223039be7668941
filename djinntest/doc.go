// Package djinntest holds the helpers Djinn's own tests use, for users'
// projects to test the same way: today a log sink that servers can write
// to while a test reads it; the test client, a throwaway database per test
// (SQLite and PostgreSQL) and a Redis key prefix per test arrive with the
// ORM, cache and sessions.
package djinntest
