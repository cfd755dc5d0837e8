// The ArgParser's short option spellings and wrapped help.
#include <gtest/gtest.h>

#include <sstream>

#include "app/args.h"
#include "core/error.h"

using namespace emoaug;
using namespace emoaug::app;

TEST(ArgsAlias, ShortNameSetsTheLongOption) {
  std::string out, in;
  ArgParser p("emoaug x", "Summary.");
  p.positional("IN", "input", &in);
  p.option("output", "OUT", "where", &out, 'o');
  const char* argv[] = {"x", "a.arff", "-o", "b.h5"};
  ASSERT_TRUE(p.parse(4, const_cast<char**>(argv)));
  EXPECT_EQ(out, "b.h5");
  EXPECT_EQ(in, "a.arff");
  const char* bad[] = {"x", "a.arff", "-q"};
  EXPECT_THROW(p.parse(3, const_cast<char**>(bad)), Error);
  EXPECT_NE(p.help().find("  -o, --output OUT"), std::string::npos);
}

TEST(ArgsAlias, HelpIsWrappedAtOneHundredColumns) {
  std::string v;
  ArgParser p("emoaug x",
              std::string(30, 'a') + " " + std::string(50, 'b') + " " + std::string(40, 'c'));
  p.option("long", "V", std::string(300, ' ') + "word " + std::string(60, 'w') + " tail", &v);
  std::istringstream lines(p.help());
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    EXPECT_LE(line.size(), 100u) << line;
    ++count;
  }
  EXPECT_GT(count, 6);
}
