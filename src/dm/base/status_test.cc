#include "dm/base/status.h"

#include <gtest/gtest.h>

#include "dm/base/result.h"

namespace dm {
namespace {

TEST(StatusTest, OkIsCheapAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.WithContext("ignored").ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeScopeContext) {
  Status s = Status(Code::kUnavailable, "lost connection", Scope::kUpstream, 2013)
                 .WithContext("source mysql-01");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsRetryable());
  EXPECT_EQ(s.ToString(), "Unavailable: upstream: source mysql-01: lost connection (errno 2013)");
  Status copy = s;
  EXPECT_EQ(copy.ToString(), s.ToString());
  EXPECT_FALSE(Status::Corruption("x").IsRetryable());
}

Result<int> Half(int v) {
  if (v % 2) return Status::InvalidArgument("odd value " + std::to_string(v));
  return v / 2;
}

Status UseHalf(int v, int* out) {
  DM_ASSIGN_OR_RETURN(*out, Half(v));
  return Status::OK();
}

TEST(ResultTest, AssignOrReturn) {
  int out = 0;
  EXPECT_TRUE(UseHalf(8, &out).ok());
  EXPECT_EQ(out, 4);
  Status s = UseHalf(3, &out);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "odd value 3");
}

}  // namespace
}  // namespace dm

#include "dm/base/text.h"

namespace dm {
namespace {

TEST(TextTest, SplitTrimQuote) {
  EXPECT_EQ(SplitList(" a, b,,c ,"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(SplitList("").empty());
  EXPECT_EQ(TrimSpace("\t x \n"), "x");
  EXPECT_EQ(QuoteInput(std::string(300, 'y')).size(), 200u + 2 + std::string("...(300 bytes)").size());
}

}  // namespace
}  // namespace dm
