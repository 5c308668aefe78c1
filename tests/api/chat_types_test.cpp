#include "api/chat_types.h"

#include <gtest/gtest.h>

using namespace sy::api;

TEST(chat_types, refuse_untranslated_names_every_feature) {
  chat_request req;
  EXPECT_FALSE(refuse_untranslated(req));
  note_untranslated(req, "n");
  note_untranslated(req, "logprobs");
  note_untranslated(req, "n");  // once only
  ASSERT_EQ(req.untranslated.size(), 2u);
  auto e = refuse_untranslated(req);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400u);
  EXPECT_EQ(e->type, "invalid_request_error");
  EXPECT_NE(e->message.find("n, logprobs"), std::string::npos) << e->message;
  EXPECT_EQ(e->param, "n");
}

TEST(chat_types, effort_and_budget_map_onto_each_other) {
  EXPECT_EQ(effort_for_budget(1024), "low");
  EXPECT_EQ(effort_for_budget(10000), "medium");
  EXPECT_EQ(effort_for_budget(32000), "high");
  for (auto effort : {"low", "medium", "high"}) EXPECT_EQ(effort_for_budget(budget_for_effort(effort)), effort);
  EXPECT_EQ(budget_for_effort("minimal"), 1024);
  EXPECT_EQ(budget_for_effort("unheard-of"), budget_for_effort("medium"));
}

TEST(chat_types, usage_merge_keeps_what_later_reports_leave_out) {
  token_usage u;
  EXPECT_TRUE(u.empty());
  u.input_tokens = 10;
  u.output_tokens = 1;
  token_usage later;
  later.output_tokens = 42;
  u.merge(later);
  EXPECT_EQ(u.input_tokens, 10);
  EXPECT_EQ(u.output_tokens, 42);
  EXPECT_FALSE(u.cached_input_tokens);
  EXPECT_FALSE(u.empty());
}

TEST(chat_types, factories_set_the_kind) {
  EXPECT_EQ(content_part::make_text("x").kind, part_kind::text);
  EXPECT_EQ(content_part::make_tool_call({"id", "f", "{}"}).call.name, "f");
  EXPECT_EQ(stream_event::make_tool_call_arguments(2, "{").index, 2u);
  EXPECT_EQ(stream_event::make_error({502, "boom", {}, {}}).kind, stream_event_kind::error);
  EXPECT_EQ(to_string(message_role::tool), "tool");
  EXPECT_EQ(to_string(finish_reason::content_filter), "content_filter");
}
