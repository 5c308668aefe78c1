#include "store/sqlite_settings.h"

#include <mutex>

#include <sqlite3.h>

namespace sy::store {

void apply_sqlite_settings() {
  static std::once_flag once;
  std::call_once(once, [] {
    // SQLITE_MISUSE when something in the process initialized SQLite first: the defaults stay,
    // which is correct, only slower
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
}

}  // namespace sy::store
