#pragma once
// Process-wide SQLite settings, applied once before the first connection opens: SQLite's memory
// statistics are turned off (with them on, every allocation SQLite makes takes a global mutex;
// nothing here reads the statistics). Call before every sqlite3_open*; thread-safe.
namespace sy::store {

void apply_sqlite_settings();

}  // namespace sy::store
