// Package djinntest holds the helpers Djinn's own tests use, for users'
// projects to test the same way: EachDialect runs a test on a throwaway
// SQLite file and on a throwaway PostgreSQL database (created on the server
// at DJINN_TEST_POSTGRES and dropped at the end; skipped when the server is
// absent, a failure when CI=true), and Logs is a log sink that servers can
// write to while a test reads it. The test client and a Redis key prefix
// per test arrive with the cache and sessions.
package djinntest
