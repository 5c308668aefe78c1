#include "core/log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace sy {

namespace {
std::shared_ptr<spdlog::logger> access_logger;
}

void init_logging(std::string_view level) {
  auto diag = spdlog::stderr_logger_mt("switchyard");
  diag->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  diag->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(diag);

  spdlog::init_thread_pool(16384, 1);
  access_logger = std::make_shared<spdlog::async_logger>("access", std::make_shared<spdlog::sinks::stderr_sink_mt>(),
                                                         spdlog::thread_pool(), spdlog::async_overflow_policy::block);
  access_logger->set_pattern("%v");
  access_logger->flush_on(spdlog::level::info);
}

void write_access_log(std::string_view json_line) {
  if (access_logger) access_logger->info(json_line);
}

void flush_logs() {
  if (access_logger) access_logger->flush();
  spdlog::default_logger()->flush();
}

}  // namespace sy
