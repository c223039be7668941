// Package djinntest holds the helpers Djinn's own tests use, for users'
// projects to test the same way: EachDialect runs a test on a throwaway
// SQLite file and on a throwaway PostgreSQL database (created on the server
// at DJINN_TEST_POSTGRES and dropped at the end; skipped when the server is
// absent, a failure when CI=true), and Logs is a log sink that servers can
// write to while a test reads it. Setup builds a project for a test and
// closes it at the end (migrations/migrationstest.Setup also migrates it).
//
// Outages are tested with ClosedAddr (a server that is down), HungAddr (a
// server that never answers) and Proxy (a real server a test can Cut and
// Restore).
//
// Tests that need Redis call RedisURL for the server (DJINN_TEST_REDIS, by
// default redis://127.0.0.1:6379/0; skipped when it does not answer, a
// failure when CI=true) and RedisPrefix for a key prefix of their own,
// whose keys are deleted when the test ends. The server's database is
// shared by every test: never flush it.
package djinntest
