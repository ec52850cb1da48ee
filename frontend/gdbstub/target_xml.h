// The i386 target description the stub serves as qXfer:features:read:target.xml.
#pragma once
#include <string>

namespace forkscope::gdb {

const std::string& target_xml();

}  // namespace forkscope::gdb
