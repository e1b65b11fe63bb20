// Where the log lives inside a data dir and which column families it has. Internal.
#pragma once

#include <filesystem>
#include <memory>

#include "eventstore/rocks.h"
#include "eventstore/writer.h"

namespace tally::eventstore {

struct LogDatabase {
  std::unique_ptr<rocks::Database> database;
  Families families;
};

// Opens (creating if missing, unless `read_only`) the log database of the data dir `data_dir`.
Result<LogDatabase> open_log_database(const std::filesystem::path& data_dir, bool read_only);

}  // namespace tally::eventstore
