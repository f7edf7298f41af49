// The config file is exactly one YAML document, found without yaml-cpp's LoadAll.
#include <gtest/gtest.h>

#include "config/config_file.h"

namespace se {
namespace {

// yaml-cpp 0.7's LoadAll never returns on these (it keeps adding empty documents); the
// one-document check must not use it.
TEST(ConfigFileTest, MalformedInputThatHangsLoadAllIsParsedAsOneDocument) {
  for (const char* text : {",", ",!#sti! rnts"}) {
    Config config;
    std::string error;
    ParseConfig(text, &config, &error);
    EXPECT_EQ(error.find("second YAML document"), std::string::npos) << text << ": " << error;
  }
}

}  // namespace
}  // namespace se
