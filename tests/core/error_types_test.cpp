#include "core/error_types.h"

#include <gtest/gtest.h>

TEST(error_types, one_table_for_the_gateway_and_every_api) {
  EXPECT_EQ(sy::error_type_for_status(400), "invalid_request_error");
  EXPECT_EQ(sy::error_type_for_status(408), "timeout_error");
  EXPECT_EQ(sy::error_type_for_status(503), "overloaded_error");
  EXPECT_EQ(sy::error_type_for_status(529), "overloaded_error");  // the tables used to disagree here
  EXPECT_EQ(sy::error_type_for_status(504), "upstream_error");
  EXPECT_EQ(sy::error_type_for_status(599), "api_error");
}
